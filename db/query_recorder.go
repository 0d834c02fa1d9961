package db

import (
	"context"
	"sync"

	"github.com/uptrace/bun"
)

// Tests of other packages count the statements a path runs (the inbox's
// reads of account rows) with RecordQueries.

// queryRecorder is a bun hook that keeps the formatted queries.
type queryRecorder struct {
	mu      sync.Mutex
	queries []string
}

func (q *queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (q *queryRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	q.mu.Lock()
	q.queries = append(q.queries, e.Query)
	q.mu.Unlock()
}

// RecordQueries starts recording the store's queries (call it before the
// store is used concurrently); the returned func hands out (and forgets)
// what was recorded since the last call.
func (d *DB) RecordQueries() func() []string {
	rec := &queryRecorder{}
	same := d.r == d.w
	d.w = d.w.WithQueryHook(rec)
	if same {
		d.r = d.w
	} else {
		d.r = d.r.WithQueryHook(rec)
	}
	return func() []string {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		out := rec.queries
		rec.queries = nil
		return out
	}
}
