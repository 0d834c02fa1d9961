package db

import (
	"context"
	"errors"
	"fmt"
)

// ErrPinLimit is returned when an account already pinned the most statuses it may.
var ErrPinLimit = errors.New("pin limit reached")

// PinStatus pins a status to its author's profile, unless limit statuses
// are pinned already (ErrPinLimit). It reports whether the pin is new
// (pinning twice changes nothing).
func (t *Tx) PinStatus(ctx context.Context, accountID, statusID int64, limit int) (bool, error) {
	pinned, err := t.tx.NewSelect().Table("pins").Where("account_id = ? AND status_id = ?", accountID, statusID).Exists(ctx)
	if err != nil || pinned {
		return false, wrapPinErr(err)
	}
	n, err := t.tx.NewSelect().Table("pins").Where("account_id = ?", accountID).Count(ctx)
	if err != nil {
		return false, wrapPinErr(err)
	}
	if int(n) >= limit {
		return false, ErrPinLimit
	}
	res, err := t.tx.NewRaw("INSERT INTO pins (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		t.d.NewID(), accountID, statusID, now()).Exec(ctx)
	if err != nil {
		return false, wrapPinErr(err)
	}
	added, _ := res.RowsAffected()
	return added > 0, nil
}

// UnpinStatus removes a pin; it reports whether there was one.
func (t *Tx) UnpinStatus(ctx context.Context, accountID, statusID int64) (bool, error) {
	res, err := t.tx.NewDelete().Table("pins").Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: unpin: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func wrapPinErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("db: pin: %w", err)
}
