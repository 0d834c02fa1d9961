package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// ErrPinLimit is returned when an account already pinned the most statuses it may.
var ErrPinLimit = errors.New("pin limit reached")

// PinStatus pins a status to its author's profile (idempotent), unless limit
// statuses are pinned already (ErrPinLimit).
func (d *DB) PinStatus(ctx context.Context, accountID, statusID int64, limit int) error {
	err := d.tx(ctx, func(tx bun.Tx) error {
		pinned, err := tx.NewSelect().Table("pins").Where("account_id = ? AND status_id = ?", accountID, statusID).Exists(ctx)
		if err != nil || pinned {
			return err
		}
		n, err := tx.NewSelect().Table("pins").Where("account_id = ?", accountID).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) >= limit {
			return ErrPinLimit
		}
		_, err = tx.NewRaw("INSERT INTO pins (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			d.NewID(), accountID, statusID, now()).Exec(ctx)
		return err
	})
	if err != nil && !errors.Is(err, ErrPinLimit) {
		return fmt.Errorf("db: pin: %w", err)
	}
	return err
}

// UnpinStatus removes a pin (idempotent).
func (d *DB) UnpinStatus(ctx context.Context, accountID, statusID int64) error {
	_, err := d.w.NewDelete().Table("pins").Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unpin: %w", err)
	}
	return nil
}
