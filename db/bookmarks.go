package db

import (
	"context"
	"fmt"
)

// Bookmark saves a status for an account (idempotent).
func (d *DB) Bookmark(ctx context.Context, accountID, statusID int64) error {
	_, err := d.w.NewRaw("INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		d.NewID(), accountID, statusID, now()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: bookmark: %w", err)
	}
	return nil
}

// Unbookmark removes a bookmark (idempotent).
func (d *DB) Unbookmark(ctx context.Context, accountID, statusID int64) error {
	_, err := d.w.NewDelete().Table("bookmarks").Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unbookmark: %w", err)
	}
	return nil
}

// HasBookmarked reports whether an account bookmarked a status.
func (d *DB) HasBookmarked(ctx context.Context, accountID, statusID int64) (bool, error) {
	return d.r.NewSelect().Table("bookmarks").Where("account_id = ? AND status_id = ?", accountID, statusID).Exists(ctx)
}

// BookmarkedStatuses lists the statuses an account bookmarked and may still
// see, most recently bookmarked first, paged by bookmark id (the cursors
// returned beside the statuses).
func (d *DB) BookmarkedStatuses(ctx context.Context, accountID int64, p Page) ([]*Status, []int64, error) {
	return d.savedStatuses(ctx, "bookmarks", accountID, p)
}

func (d *DB) savedStatuses(ctx context.Context, table string, accountID int64, p Page) ([]*Status, []int64, error) {
	var rows []cursorRow
	q := d.r.NewSelect().TableExpr(table+" AS b").ColumnExpr("b.id AS cursor, b.status_id AS target").
		Join("JOIN statuses AS s ON s.id = b.status_id").
		Where("b.account_id = ?", accountID)
	q = whereVisible(q, "s", ViewerOf(accountID))
	if err := p.apply(q, "b.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: %s: %w", table, err)
	}
	return d.statusesByCursor(ctx, p, rows)
}
