package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ScheduledStatus is a status a local account asked to publish later.
// ClaimedUntil is the lease of the process publishing it (nil when idle).
type ScheduledStatus struct {
	bun.BaseModel `bun:"table:scheduled_statuses,alias:ss"`

	ID           int64           `bun:"id,pk"`
	AccountID    int64           `bun:"account_id"`
	ScheduledAt  time.Time       `bun:"scheduled_at"`
	Params       ScheduledParams `bun:"params,type:text"`
	Idempotency  string          `bun:"idempotency"`
	ClaimedUntil *time.Time      `bun:"claimed_until"`
	Attempts     int64           `bun:"attempts"`
	LastError    string          `bun:"last_error"`
	CreatedAt    time.Time       `bun:"created_at"`
	UpdatedAt    time.Time       `bun:"updated_at"`
}

// ScheduledParams are the fields of the status to publish, as read from
// the request (defaults already applied).
type ScheduledParams struct {
	Text          string         `json:"text"`
	SpoilerText   string         `json:"spoiler_text,omitempty"`
	Visibility    Visibility     `json:"visibility"`
	Sensitive     bool           `json:"sensitive,omitempty"`
	Language      string         `json:"language,omitempty"`
	InReplyToID   *int64         `json:"in_reply_to_id,omitempty"`
	MediaIDs      []int64        `json:"media_ids,omitempty"`
	Poll          *ScheduledPoll `json:"poll,omitempty"`
	ApplicationID *int64         `json:"application_id,omitempty"`
	// ActingUserID is the member who scheduled a brand's status (its
	// audit record names them when it is published).
	ActingUserID *int64 `json:"acting_user_id,omitempty"`
}

// ScheduledPoll is the poll of a scheduled status.
type ScheduledPoll struct {
	Options    []string `json:"options"`
	ExpiresIn  int64    `json:"expires_in"` // seconds
	Multiple   bool     `json:"multiple,omitempty"`
	HideTotals bool     `json:"hide_totals,omitempty"`
}

// InsertScheduledStatus stores a scheduled status and attaches media to it
// (attachments of the account not yet used by a status or another
// scheduled status). A taken idempotency key is ErrConflict; an attachment
// that cannot be attached is ErrNotFound; nothing is stored then.
func (d *DB) InsertScheduledStatus(ctx context.Context, s *ScheduledStatus) error {
	ts := now()
	s.ID, s.CreatedAt, s.UpdatedAt = d.NewID(), ts, ts
	s.ScheduledAt = s.ScheduledAt.UTC().Truncate(time.Microsecond)
	return d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(s).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return ErrConflict
			}
			return fmt.Errorf("db: insert scheduled status: %w", err)
		}
		for i, id := range s.Params.MediaIDs {
			res, err := tx.NewUpdate().Model((*MediaAttachment)(nil)).
				Set("scheduled_status_id = ?", s.ID).Set("position = ?", i).Set("updated_at = ?", ts).
				Where("id = ? AND account_id = ? AND status_id IS NULL AND scheduled_status_id IS NULL", id, s.AccountID).Exec(ctx)
			if err := exactlyOne(res, err, "attach media to scheduled status"); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScheduledStatusByIdempotency returns the account's scheduled status made
// with an Idempotency-Key.
func (d *DB) ScheduledStatusByIdempotency(ctx context.Context, accountID int64, key string) (*ScheduledStatus, error) {
	s := new(ScheduledStatus)
	err := d.r.NewSelect().Model(s).Where("account_id = ? AND idempotency = ?", accountID, key).Scan(ctx)
	return s, notFound(err)
}

// ScheduledStatusByID returns one of the account's scheduled statuses.
func (d *DB) ScheduledStatusByID(ctx context.Context, accountID, id int64) (*ScheduledStatus, error) {
	s := new(ScheduledStatus)
	err := d.r.NewSelect().Model(s).Where("id = ? AND account_id = ?", id, accountID).Scan(ctx)
	return s, notFound(err)
}

// ScheduledStatuses lists the account's scheduled statuses by ID, newest first.
func (d *DB) ScheduledStatuses(ctx context.Context, accountID int64, p Page) ([]*ScheduledStatus, error) {
	var list []*ScheduledStatus
	q := d.r.NewSelect().Model(&list).Where("account_id = ?", accountID)
	if err := p.apply(q, "ss.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: scheduled statuses: %w", err)
	}
	return newestFirst(p, list), nil
}

// CountScheduledStatuses counts the account's scheduled statuses, all of
// them (from the zero time) or those due in [from, to), leaving out one
// (the status being rescheduled; 0 for none).
func (d *DB) CountScheduledStatuses(ctx context.Context, accountID int64, from, to time.Time, except int64) (int, error) {
	q := d.r.NewSelect().Model((*ScheduledStatus)(nil)).Where("account_id = ? AND id <> ?", accountID, except)
	if !from.IsZero() {
		q = q.Where("scheduled_at >= ? AND scheduled_at < ?", from.UTC(), to.UTC())
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: count scheduled statuses: %w", err)
	}
	return int(n), nil
}

// RescheduleStatus moves one of the account's scheduled statuses to a new
// time. A publisher holding it loses its lease (and so cannot publish it).
func (d *DB) RescheduleStatus(ctx context.Context, accountID, id int64, at time.Time) error {
	res, err := d.w.NewUpdate().Model((*ScheduledStatus)(nil)).
		Set("scheduled_at = ?", at.UTC().Truncate(time.Microsecond)).Set("claimed_until = NULL").Set("attempts = 0").
		Set("updated_at = ?", now()).Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	return exactlyOne(res, err, "reschedule status")
}

// DeleteScheduledStatus removes one of the account's scheduled statuses;
// its attachments stay, unattached, for the media cleanup.
func (d *DB) DeleteScheduledStatus(ctx context.Context, accountID, id int64) error {
	return d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*ScheduledStatus)(nil)).Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
		if err := exactlyOne(res, err, "delete scheduled status"); err != nil {
			return err
		}
		return detachScheduledMedia(ctx, tx, id)
	})
}

func detachScheduledMedia(ctx context.Context, idb bun.IDB, id int64) error {
	_, err := idb.NewUpdate().Model((*MediaAttachment)(nil)).Set("scheduled_status_id = NULL").
		Where("scheduled_status_id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: detach scheduled media: %w", err)
	}
	return nil
}

// MediaForScheduledStatuses loads the attachments of scheduled statuses,
// in order, keyed by scheduled status ID.
func (d *DB) MediaForScheduledStatuses(ctx context.Context, ids []int64) (map[int64][]*MediaAttachment, error) {
	out := map[int64][]*MediaAttachment{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []*MediaAttachment
	err := d.r.NewSelect().Model(&list).Where("scheduled_status_id IN (?)", bun.List(ids)).Order("position", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: scheduled media: %w", err)
	}
	for _, m := range list {
		out[*m.ScheduledStatusID] = append(out[*m.ScheduledStatusID], m)
	}
	return out, nil
}

// claimDue leases up to limit rows of table whose time (dueCol) has come and
// that no live lease holds, and returns their ids and the lease as written
// (claimed_until). On PostgreSQL SKIP LOCKED lets several processes share
// the queue; a lease that runs out brings a dead process's rows back.
func (d *DB) claimDue(ctx context.Context, table, dueCol string, limit int, lease time.Duration) ([]int64, time.Time, error) {
	t := now()
	until := t.Add(lease)
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ids []int64
	err := d.w.NewRaw(`UPDATE ? SET claimed_until = ? WHERE id IN (
		SELECT id FROM ? WHERE ? <= ? AND (claimed_until IS NULL OR claimed_until < ?)
		ORDER BY ? LIMIT ?`+lock+`) RETURNING id`,
		bun.Ident(table), until, bun.Ident(table), bun.Ident(dueCol), t, t, bun.Ident(dueCol), limit).Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, until, err
	}
	return ids, until, nil
}

// ClaimDueScheduledStatuses leases up to limit scheduled statuses whose
// time has come and that nobody holds (or whose holder's lease ran out).
// ClaimedUntil of each row is the lease as written, for the fenced
// PublishedScheduledStatus, RetryScheduledStatus and DropScheduledStatus.
func (d *DB) ClaimDueScheduledStatuses(ctx context.Context, limit int, lease time.Duration) ([]*ScheduledStatus, error) {
	ids, until, err := d.claimDue(ctx, "scheduled_statuses", "scheduled_at", limit, lease)
	if err != nil {
		return nil, fmt.Errorf("db: claim scheduled statuses: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var list []*ScheduledStatus
	err = d.w.NewSelect().Model(&list).Where("id IN (?)", bun.List(ids)).Where("claimed_until = ?", until).
		Order("scheduled_at", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: load scheduled statuses: %w", err)
	}
	for _, s := range list {
		s.ClaimedUntil = &until
	}
	return list, nil
}

// PublishedScheduledStatus removes a scheduled status in the transaction
// that publishes it, if the caller's lease on it still holds: ErrNotFound
// means someone else has it now (or it was deleted or rescheduled), and the
// transaction must not publish.
func (t *Tx) PublishedScheduledStatus(ctx context.Context, s *ScheduledStatus) error {
	if s.ClaimedUntil == nil {
		return ErrNotFound
	}
	res, err := t.tx.NewDelete().Model((*ScheduledStatus)(nil)).
		Where("id = ? AND claimed_until = ?", s.ID, s.ClaimedUntil.UTC()).Exec(ctx)
	return exactlyOne(res, err, "remove published scheduled status")
}

// RetryScheduledStatus keeps a scheduled status whose publication failed
// for a passing reason: the lease is extended to next (when it comes due
// again) and the attempt counted, if the caller's lease still holds.
func (d *DB) RetryScheduledStatus(ctx context.Context, s *ScheduledStatus, next time.Time, lastErr string) error {
	if s.ClaimedUntil == nil {
		return nil
	}
	_, err := d.w.NewUpdate().Model((*ScheduledStatus)(nil)).Set("claimed_until = ?", next.UTC()).
		Set("attempts = attempts + 1").Set("last_error = ?", truncate(lastErr, 500)).Set("updated_at = ?", now()).
		Where("id = ? AND claimed_until = ?", s.ID, s.ClaimedUntil.UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: retry scheduled status: %w", err)
	}
	return nil
}

// ReleaseScheduledStatus hands a claimed scheduled status back unpublished
// (its publisher is stopping), if the caller's lease still holds, so that
// the next start publishes it at once.
func (d *DB) ReleaseScheduledStatus(ctx context.Context, s *ScheduledStatus) error {
	if s.ClaimedUntil == nil {
		return nil
	}
	_, err := d.w.NewUpdate().Model((*ScheduledStatus)(nil)).Set("claimed_until = NULL").
		Where("id = ? AND claimed_until = ?", s.ID, s.ClaimedUntil.UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: release scheduled status: %w", err)
	}
	return nil
}

// DropScheduledStatus gives up a scheduled status that cannot be published
// (its reply target is gone, it no longer validates …), if the caller's
// lease still holds. Its attachments stay, unattached.
func (d *DB) DropScheduledStatus(ctx context.Context, s *ScheduledStatus) error {
	if s.ClaimedUntil == nil {
		return nil
	}
	return d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*ScheduledStatus)(nil)).
			Where("id = ? AND claimed_until = ?", s.ID, s.ClaimedUntil.UTC()).Exec(ctx)
		if err := exactlyOne(res, err, "drop scheduled status"); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		}
		return detachScheduledMedia(ctx, tx, s.ID)
	})
}
