package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// InboxItem is a verified incoming activity waiting to be applied.
type InboxItem struct {
	bun.BaseModel `bun:"table:inbox_items,alias:ii"`

	ID            int64      `bun:"id,pk"`
	ActivityURI   string     `bun:"activity_uri"`
	Signer        string     `bun:"signer"`
	RecipientID   *int64     `bun:"recipient_id"`
	Body          []byte     `bun:"body"`
	Headers       string     `bun:"headers"`
	Attempts      int64      `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	ClaimedUntil  *time.Time `bun:"claimed_until"`
	LastError     string     `bun:"last_error"`
	CreatedAt     time.Time  `bun:"created_at"`
}

// InsertInboxItem makes an incoming activity durable (before answering 202).
// With a lease the receiving process applies it right away and the row only
// comes due for others if that fails; with none it is due at once.
func (d *DB) InsertInboxItem(ctx context.Context, it *InboxItem, lease time.Duration) error {
	t := now()
	it.ID, it.CreatedAt, it.NextAttemptAt = d.NewID(), t, t
	it.ClaimedUntil = nil
	if lease > 0 {
		until := t.Add(lease)
		it.ClaimedUntil = &until
	}
	if _, err := d.w.NewInsert().Model(it).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert inbox item: %w", err)
	}
	return nil
}

// ReleaseInboxItem drops the lease of an item nobody is applying in memory,
// so that it is due for the next claim.
func (d *DB) ReleaseInboxItem(ctx context.Context, id int64) error {
	_, err := d.w.NewUpdate().Model((*InboxItem)(nil)).Set("claimed_until = NULL").Where("id = ?", id).Exec(ctx)
	return err
}

// ClaimInboxItems leases due inbox items (after a crash or a failed apply).
func (d *DB) ClaimInboxItems(ctx context.Context, limit int, lease time.Duration) ([]*InboxItem, error) {
	t := now()
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []int64
	err := d.w.NewRaw(`UPDATE inbox_items SET claimed_until = ? WHERE id IN (
		SELECT id FROM inbox_items WHERE next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
		ORDER BY id LIMIT ?`+lock+`) RETURNING id`, t.Add(lease), t, t, limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: claim inbox items: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var items []*InboxItem
	err = d.r.NewSelect().Model(&items).Where("id IN (?)", bun.List(ids)).Order("id").Scan(ctx)
	return items, err
}

// InboxBacklog counts received activities not applied yet (health
// checks, and tests that wait for the inbox to settle).
func (d *DB) InboxBacklog(ctx context.Context) (int, error) {
	n, err := d.r.NewSelect().Model((*InboxItem)(nil)).Count(ctx)
	return int(n), err
}

// DeleteInboxItem removes an applied (or abandoned) item.
func (d *DB) DeleteInboxItem(ctx context.Context, id int64) error {
	_, err := d.w.NewDelete().Model((*InboxItem)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// DeleteInboxItems removes the items whose activities tx applied, in the
// same transaction: an item is gone exactly when its effects are stored.
func (t *Tx) DeleteInboxItems(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := t.tx.NewDelete().Model((*InboxItem)(nil)).Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
		return fmt.Errorf("db: delete inbox items: %w", err)
	}
	return nil
}

// RetryInboxItem reschedules an item whose apply failed.
func (d *DB) RetryInboxItem(ctx context.Context, id int64, next time.Time, lastErr string) error {
	_, err := d.w.NewUpdate().Model((*InboxItem)(nil)).Set("attempts = attempts + 1").Set("next_attempt_at = ?", next.UTC()).
		Set("claimed_until = NULL").Set("last_error = ?", truncate(lastErr, 500)).Where("id = ?", id).Exec(ctx)
	return err
}
