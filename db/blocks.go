package db

import (
	"context"
	"errors"
	"fmt"
)

// BlocksPage lists the accounts account blocks, most recent first; cursors are block IDs.
func (d *DB) BlocksPage(ctx context.Context, accountID int64, p Page) ([]*Account, []int64, error) {
	accts, cursors, _, err := d.accountPage(ctx, "blocks", "target_account_id", "NULL", p, "r.account_id = ?", accountID)
	return accts, cursors, err
}

// IsBlocked reports whether either account blocks the other.
func (d *DB) IsBlocked(ctx context.Context, a, b int64) (bool, error) {
	return d.r.NewSelect().Model((*Block)(nil)).
		Where("(account_id = ? AND target_account_id = ?) OR (account_id = ? AND target_account_id = ?)", a, b, b, a).Exists(ctx)
}

// InsertBlock records a block and drops the follows both ways.
func (t *Tx) InsertBlock(ctx context.Context, b *Block) error {
	b.ID, b.CreatedAt = t.d.NewID(), now()
	if _, err := t.tx.NewInsert().Model(b).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("db: insert block: %w", err)
	}
	for _, pair := range [][2]int64{{b.AccountID, b.TargetAccountID}, {b.TargetAccountID, b.AccountID}} {
		if _, err := t.DeleteFollow(ctx, pair[0], pair[1]); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// DeleteBlock lifts a block (idempotent).
func (t *Tx) DeleteBlock(ctx context.Context, accountID, targetID int64) error {
	_, err := t.tx.NewDelete().Model((*Block)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: delete block: %w", err)
	}
	return nil
}

// BlockURI returns the id of the Block activity of account against target.
func (d *DB) BlockURI(ctx context.Context, accountID, targetID int64) (string, error) {
	b := new(Block)
	err := d.r.NewSelect().Model(b).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Scan(ctx)
	return b.URI, notFound(err)
}
