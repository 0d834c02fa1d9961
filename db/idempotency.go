package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// idempotencyAbandoned is how long a reservation without a status may stand
// before another request may take it over (its request died mid-way).
const idempotencyAbandoned = 2 * time.Minute

// ReserveIdempotencyKey claims (account, key) for a new status. reserved is
// true when the caller now owns the key and must finish it with
// CompleteIdempotencyKey or give it back with ReleaseIdempotencyKey.
// Otherwise statusID is the status an earlier request created with the key,
// or 0 while that request is still running. Keys older than ttl (and
// reservations abandoned by a request that died) no longer count.
func (d *DB) ReserveIdempotencyKey(ctx context.Context, accountID int64, key string, ttl time.Duration) (reserved bool, statusID int64, err error) {
	err = d.tx(ctx, func(tx bun.Tx) error {
		t := now()
		// Forget this account's expired keys (the primary key starts with
		// account_id, so this stays a small range delete).
		if _, err := tx.NewDelete().Table("idempotency_keys").Where("account_id = ?", accountID).
			Where("created_at < ? OR (status_id = 0 AND created_at < ?)", t.Add(-ttl), t.Add(-idempotencyAbandoned)).
			Exec(ctx); err != nil {
			return err
		}
		res, err := tx.NewRaw("INSERT INTO idempotency_keys (account_id, key, status_id, created_at) VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING",
			accountID, key, t).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			reserved = true
			return nil
		}
		return tx.NewSelect().Table("idempotency_keys").Column("status_id").
			Where("account_id = ? AND key = ?", accountID, key).Scan(ctx, &statusID)
	})
	if err != nil {
		return false, 0, fmt.Errorf("db: reserve idempotency key: %w", err)
	}
	return reserved, statusID, nil
}

// IdempotentStatusID reads the status stored for (account, key): found is
// false when no live key exists, statusID is 0 while its request runs.
func (d *DB) IdempotentStatusID(ctx context.Context, accountID int64, key string, ttl time.Duration) (statusID int64, found bool, err error) {
	err = d.r.NewSelect().Table("idempotency_keys").Column("status_id").
		Where("account_id = ? AND key = ? AND created_at >= ?", accountID, key, now().Add(-ttl)).Scan(ctx, &statusID)
	if errors.Is(notFound(err), ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("db: idempotency key: %w", err)
	}
	return statusID, true, nil
}

// CompleteIdempotencyKey records the status created under a reserved key.
func (d *DB) CompleteIdempotencyKey(ctx context.Context, accountID int64, key string, statusID int64) error {
	_, err := d.w.NewUpdate().Table("idempotency_keys").Set("status_id = ?", statusID).
		Where("account_id = ? AND key = ?", accountID, key).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey gives back a reserved key (statusID 0) whose
// request failed, so that a retry with the same key may post.
func (d *DB) ReleaseIdempotencyKey(ctx context.Context, accountID int64, key string, statusID int64) error {
	_, err := d.w.NewDelete().Table("idempotency_keys").
		Where("account_id = ? AND key = ? AND status_id = ?", accountID, key, statusID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: release idempotency key: %w", err)
	}
	return nil
}
