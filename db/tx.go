package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// Tx is a write transaction. The activitypub engine composes one apply step
// (status, mentions, counters, notifications, delivery rows) from its
// methods and commits it at once; AfterCommit runs what must only happen
// once the data is durable (streaming events, waking delivery workers).
type Tx struct {
	tx          bun.Tx
	d           *DB
	afterCommit []func()
	counters    map[counterKey]int
}

// counterKey names one counter column of one row.
type counterKey struct {
	table, column string
	id            int64
}

// InTx runs fn in a write transaction and, after a successful commit, the
// callbacks fn registered with AfterCommit. A transaction PostgreSQL
// aborts as a deadlock victim or for a serialization conflict is run
// again, a few times: fn must not keep state from a failed attempt.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 1; ; attempt++ {
		t := &Tx{d: d}
		err := d.w.RunInTx(ctx, nil, func(ctx context.Context, btx bun.Tx) error {
			t.tx = btx
			if err := fn(t); err != nil {
				return err
			}
			return t.flushCounters(ctx)
		})
		if err != nil {
			if attempt < maxTxAttempts && isTransientConflict(err) && ctx.Err() == nil {
				time.Sleep(time.Duration(attempt) * time.Duration(5+rand.IntN(20)) * time.Millisecond)
				continue
			}
			return err
		}
		for _, f := range t.afterCommit {
			f()
		}
		return nil
	}
}

const maxTxAttempts = 3

// isTransientConflict reports whether PostgreSQL rolled the transaction
// back for a deadlock or a serialization failure, which a retry resolves.
func isTransientConflict(err error) bool {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		code := pgErr.Field('C')
		return code == "40P01" || code == "40001"
	}
	return false
}

// addCounter adds delta to a counter column when the transaction ends.
// Counters are written last, in row order: a popular account's
// followers_count or a viral post's favourites_count is a row every
// concurrent transaction touching it must wait for, and the wait lasts
// from the update to the commit; written last it is only the commit.
func (t *Tx) addCounter(table, column string, id int64, delta int) {
	if t.counters == nil {
		t.counters = map[counterKey]int{}
	}
	t.counters[counterKey{table, column, id}] += delta
}

func (t *Tx) flushCounters(ctx context.Context) error {
	keys := make([]counterKey, 0, len(t.counters))
	for k, delta := range t.counters {
		if delta != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b counterKey) int {
		return cmp.Or(cmp.Compare(a.table, b.table), cmp.Compare(a.id, b.id), cmp.Compare(a.column, b.column))
	})
	for _, k := range keys {
		_, err := t.tx.NewUpdate().Table(k.table).Set(t.d.nonNegative(k.column, k.column+" + ?"), t.counters[k]).
			Where("id = ?", k.id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: %s.%s counter: %w", k.table, k.column, err)
		}
	}
	t.counters = nil
	return nil
}

// Savepoint runs fn inside a savepoint of the transaction, so that a
// failing part does not take the rest with it (the inbox applies several
// activities in one transaction). When fn fails, what it wrote, the
// counters it added and the callbacks it registered are undone and fnErr is
// its error; err is an error of the savepoint itself, after which the
// transaction cannot go on.
func (t *Tx) Savepoint(ctx context.Context, fn func() error) (fnErr, err error) {
	callbacks := len(t.afterCommit)
	counters := maps.Clone(t.counters)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT apply_step"); err != nil {
		return nil, fmt.Errorf("db: savepoint: %w", err)
	}
	if fnErr = fn(); fnErr == nil {
		_, err = t.tx.ExecContext(ctx, "RELEASE SAVEPOINT apply_step")
	} else {
		t.afterCommit, t.counters = t.afterCommit[:callbacks], counters
		if _, err = t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT apply_step"); err == nil {
			_, err = t.tx.ExecContext(ctx, "RELEASE SAVEPOINT apply_step")
		}
	}
	if err != nil {
		return fnErr, fmt.Errorf("db: savepoint: %w", err)
	}
	return fnErr, nil
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
