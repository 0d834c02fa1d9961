package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
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
//
// Concurrent calls share one INSERT (group commit): the first caller writes
// the rows waiting at that moment, its own among them, then hands the turn
// to the first of those that arrived meanwhile. Each returns once its row
// is committed.
func (d *DB) InsertInboxItem(ctx context.Context, it *InboxItem, lease time.Duration) error {
	t := now()
	it.ID, it.CreatedAt, it.NextAttemptAt = d.NewID(), t, t
	it.ClaimedUntil = nil
	if lease > 0 {
		until := t.Add(lease)
		it.ClaimedUntil = &until
	}
	req := &inboxInsert{item: it, done: make(chan error, 1)}
	q := &d.inboxInserts
	q.mu.Lock()
	q.waiting = append(q.waiting, req)
	lead := !q.busy
	q.busy = true
	q.mu.Unlock()
	if !lead {
		if err := <-req.done; !errors.Is(err, errInsertTurn) {
			return err
		}
	}
	q.mu.Lock()
	n := min(len(q.waiting), maxInboxInsertBatch)
	batch := append([]*inboxInsert(nil), q.waiting[:n]...)
	q.waiting = q.waiting[n:]
	q.mu.Unlock()
	d.insertInboxItems(context.WithoutCancel(ctx), batch)
	q.mu.Lock()
	if len(q.waiting) > 0 {
		q.waiting[0].done <- errInsertTurn
	} else {
		q.busy = false
	}
	q.mu.Unlock()
	return <-req.done
}

// maxInboxInsertBatch bounds the rows of one INSERT of inbox items.
const maxInboxInsertBatch = 64

// inboxInserts are the inbox items waiting for their INSERT.
type inboxInserts struct {
	mu      sync.Mutex
	waiting []*inboxInsert
	busy    bool // a caller is writing a batch
}

type inboxInsert struct {
	item *InboxItem
	done chan error
}

// errInsertTurn tells a waiting caller that it writes the next batch.
var errInsertTurn = errors.New("db: your turn to insert inbox items")

// insertInboxItems writes a batch in one statement, or one by one when
// that fails, and tells each caller.
func (d *DB) insertInboxItems(ctx context.Context, batch []*inboxInsert) {
	items := make([]*InboxItem, len(batch))
	for i, r := range batch {
		items[i] = r.item
	}
	_, err := d.w.NewInsert().Model(&items).Returning(noReturning).Exec(ctx)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			_, err := d.w.NewInsert().Model(r.item).Returning(noReturning).Exec(ctx)
			r.done <- wrapInsertErr(err)
		}
		return
	}
	for _, r := range batch {
		r.done <- wrapInsertErr(err)
	}
}

func wrapInsertErr(err error) error {
	if err != nil {
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

// DeleteInboxItems removes applied (or abandoned) items, a batch at once.
func (d *DB) DeleteInboxItems(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	q := d.w.NewDelete().Model((*InboxItem)(nil)).Where("id IN (?)", bun.List(ids))
	var err error
	if d.dialect == Postgres {
		// The items were applied: if a crash loses this delete they are
		// applied again, which their seen ids turn into nothing. So the
		// commit need not wait for the WAL flush (one string, run as one
		// implicit transaction, in one round trip).
		_, err = d.w.ExecContext(ctx, "SET LOCAL synchronous_commit TO off; "+q.String())
	} else {
		_, err = q.Exec(ctx)
	}
	if err != nil {
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

// IncomingStatus is what the store says of a pushed status before anything
// is fetched for it.
type IncomingStatus struct {
	Known      bool // stored already (a fetch got there first)
	Tombstoned bool // deleted before its Create arrived
	Followed   bool // a local account follows its author
	Subscribed bool // a local follower asked to be notified of the author's posts
}

// CheckIncomingStatus answers the four questions an incoming Create asks
// of the store in one query: as four queries they were four of the dozen
// round trips each Create costs on PostgreSQL (the last was asked in the
// write step, which on SQLite every other write waits for).
func (d *DB) CheckIncomingStatus(ctx context.Context, uri string, authorID int64) (IncomingStatus, error) {
	var in IncomingStatus
	err := d.r.NewSelect().
		ColumnExpr("EXISTS (?)", d.r.NewSelect().Model((*Status)(nil)).Where("s.uri = ?", uri)).
		ColumnExpr("EXISTS (?)", d.tombstonesOf(uri)).
		ColumnExpr("EXISTS (?)", d.localFollowsOf(authorID)).
		ColumnExpr("EXISTS (?)", d.notifyingFollowsOf(authorID)).
		Scan(ctx, &in.Known, &in.Tombstoned, &in.Followed, &in.Subscribed)
	if err != nil {
		return in, fmt.Errorf("db: check incoming status: %w", err)
	}
	return in, nil
}
