package activitypub

import (
	"context"
	"errors"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Group commit of the inbox. Each activity's write step (the function its
// family's remote entry gives seenTx: the same apply code the local entries
// use) is handed by its worker to a committer, which runs the steps waiting
// at that moment in one transaction — if one fails, the batch runs again
// with each step in a savepoint, so that a step that fails is undone
// alone — and then deletes the inbox rows of the applied
// ones in one statement: two writer turns serve a batch, instead of two
// per activity (apply, then delete the row).
// An activity is durable from its inbox row, written before the 202, until
// its effects are committed.
//
// A worker waits for its step's outcome before it takes its next activity,
// so nothing changes in the order of a worker's activities; the network
// work of each (fetching keys, parents, mentioned actors) stays before its
// step, on the worker, as before.
//
// The applied items' rows are deleted after the commit (and after its
// callbacks, so tests and health checks that wait for an empty inbox see
// the effects announced), by a goroutine of their own that deletes what
// several batches applied in one statement: the committer, which every
// activity waits for, goes on with the next batch meanwhile. A crash in
// between applies them again, which their seen activity ids turn into
// nothing.

// maxCommitBatch bounds the steps of one transaction: a longer one would
// keep the accepting side (which stores inbox rows through the same single
// writer on SQLite) waiting.
const maxCommitBatch = 16

// writeStep is an inbox activity's write step on its way to a committer.
type writeStep struct {
	ic   *inboxContext
	fn   func(tx *db.Tx) error
	done chan error
}

// committers is how many batches may be open at once: SQLite has one
// writer; PostgreSQL takes concurrent transactions.
func (e *Engine) committers() int {
	if e.db.Dialect() == db.Postgres {
		return 2
	}
	return 1
}

// inboxCommitter runs the write steps of the inbox workers in batches.
func (e *Engine) inboxCommitter(ctx context.Context) {
	batch := make([]*writeStep, 0, maxCommitBatch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case s := <-e.steps:
			batch = append(batch, s)
		}
	more:
		for len(batch) < maxCommitBatch {
			select {
			case s := <-e.steps:
				batch = append(batch, s)
			default:
				break more
			}
		}
		e.commitSteps(ctx, batch)
	}
}

// commitSteps applies a batch in one transaction; if the transaction
// itself fails, each step is tried again in a transaction of its own.
func (e *Engine) commitSteps(ctx context.Context, batch []*writeStep) {
	outcomes, applied, err := e.runBatch(ctx, batch, false)
	var failed *stepFailed
	if errors.As(err, &failed) {
		if len(batch) == 1 {
			// Its transaction undid it, and nothing else was in it.
			outcomes, err = []error{failed.err}, nil
		} else {
			outcomes, applied, err = e.runBatch(ctx, batch, true)
		}
	}
	if err != nil {
		if ctx.Err() == nil && len(batch) > 1 {
			e.log.Warn("inbox: batch failed, applying its activities one by one", "activities", len(batch), "err", err)
		}
		for _, s := range batch {
			s.done <- e.db.InTx(ctx, func(tx *db.Tx) error { return e.seenStep(ctx, tx, s.ic, s.fn) })
		}
		return
	}
	// The rows go once the listeners were told (InTx ran the callbacks): an
	// empty inbox means everything in it was applied and announced.
	e.deleteApplied(ctx, applied)
	for i, s := range batch {
		if outcomes[i] == nil {
			s.ic.itemDeleted = true
		}
		s.done <- outcomes[i]
	}
}

// stepFailed ends a batch run without savepoints: step failed with err.
type stepFailed struct{ err error }

func (f *stepFailed) Error() string { return f.err.Error() }
func (f *stepFailed) Unwrap() error { return f.err } // a deadlock victim is run again by InTx

// runBatch runs the steps of a batch in one transaction. Without
// savepoints (two round trips per step) a failing step rolls the whole
// transaction back with a *stepFailed: steps rarely fail, and the caller
// then runs the batch again with them, where a failing step is undone
// alone.
func (e *Engine) runBatch(ctx context.Context, batch []*writeStep, savepoints bool) (outcomes []error, applied []int64, err error) {
	outcomes = make([]error, len(batch))
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		applied = applied[:0]
		for i, s := range batch {
			outcomes[i] = nil
			if !savepoints {
				if err := e.seenStep(ctx, tx, s.ic, s.fn); err != nil {
					return &stepFailed{err}
				}
				applied = append(applied, s.ic.item.ID)
				continue
			}
			fnErr, err := tx.Savepoint(ctx, func() error { return e.seenStep(ctx, tx, s.ic, s.fn) })
			if err != nil {
				return err
			}
			outcomes[i] = fnErr
			if fnErr == nil {
				applied = append(applied, s.ic.item.ID)
			}
		}
		return nil
	})
	return outcomes, applied, err
}

// seenStep is the write step of an activity unless it was applied before.
func (e *Engine) seenStep(ctx context.Context, tx *db.Tx, ic *inboxContext, fn func(tx *db.Tx) error) error {
	fresh, err := tx.MarkSeen(ctx, ic.act.ID)
	if err != nil || !fresh {
		return err
	}
	return fn(tx)
}

// seenTx runs fn in a transaction unless the activity was already applied:
// for an item of the inbox, in a committer's batch.
func (e *Engine) seenTx(ctx context.Context, ic *inboxContext, fn func(tx *db.Tx) error) error {
	if ic.item == nil || !e.committing.Load() {
		return e.db.InTx(ctx, func(tx *db.Tx) error { return e.seenStep(ctx, tx, ic, fn) })
	}
	s := &writeStep{ic: ic, fn: fn, done: make(chan error, 1)}
	select {
	case e.steps <- s:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-s.done:
		return err
	case <-ctx.Done():
		return ctx.Err() // the lease brings the item back if it was not applied
	}
}

// deleteApplied hands the inbox rows of applied steps to the deleter, or
// deletes them at once when it lags behind.
func (e *Engine) deleteApplied(ctx context.Context, ids []int64) {
	if len(ids) == 0 {
		return
	}
	select {
	case e.applied <- append([]int64(nil), ids...):
		return
	default:
	}
	if err := e.db.DeleteInboxItems(ctx, ids); err != nil && ctx.Err() == nil {
		e.log.Warn("inbox: delete items", "err", err)
	}
}

// maxDeleteBatch bounds the rows of one DELETE of applied inbox items;
// deleteGather is how long the deleter waits for more.
const (
	maxDeleteBatch = 512
	deleteGather   = 5 * time.Millisecond
)

// inboxDeleter deletes the inbox rows of applied steps, those of all the
// batches committed meanwhile at once. Rows it leaves at shutdown are
// applied again after a restart, to no effect.
func (e *Engine) inboxDeleter(ctx context.Context) {
	var ids []int64
	for {
		select {
		case <-ctx.Done():
			return
		case batch := <-e.applied:
			ids = append(ids[:0], batch...)
		}
		// Under load the next batches commit within milliseconds: their
		// rows go in the same statement.
		gather := time.NewTimer(deleteGather)
	more:
		for len(ids) < maxDeleteBatch {
			select {
			case batch := <-e.applied:
				ids = append(ids, batch...)
			case <-gather.C:
				break more
			case <-ctx.Done():
				return
			}
		}
		gather.Stop()
		if err := e.db.DeleteInboxItems(ctx, ids); err != nil && ctx.Err() == nil {
			e.log.Warn("inbox: delete items", "err", err)
		}
	}
}
