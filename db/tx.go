package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Tx is a write transaction. The activitypub engine composes one apply step
// (status, mentions, counters, notifications, delivery rows) from its
// methods and commits it at once; AfterCommit runs what must only happen
// once the data is durable (streaming events, waking delivery workers).
type Tx struct {
	tx          bun.Tx
	d           *DB
	afterCommit []func()
}

// InTx runs fn in a write transaction and, after a successful commit, the
// callbacks fn registered with AfterCommit.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	t := &Tx{d: d}
	err := d.w.RunInTx(ctx, nil, func(ctx context.Context, btx bun.Tx) error {
		t.tx = btx
		return fn(t)
	})
	if err != nil {
		return err
	}
	for _, f := range t.afterCommit {
		f()
	}
	return nil
}

// AfterCommit registers f to run after the transaction commits.
func (t *Tx) AfterCommit(f func()) { t.afterCommit = append(t.afterCommit, f) }

// NewID returns a fresh ID.
func (t *Tx) NewID() int64 { return t.d.NewID() }

// DB is the store the transaction belongs to.
func (t *Tx) DB() *DB { return t.d }

func exactlyOne(res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return fmt.Errorf("db: %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
