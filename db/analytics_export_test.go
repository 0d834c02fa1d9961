package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// Test hooks of analytics_test.go: record the SQL the store runs, and show
// the plan a query gets.

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

// ExplainPlan returns the plan of a formatted query, one line per node:
// SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN with
// sequential scans priced out (a "Seq Scan" then means no index fits).
func (d *DB) ExplainPlan(ctx context.Context, query string) ([]string, error) {
	var lines []string
	if d.dialect == Postgres {
		err := d.w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.Tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
			rows, err := tx.Tx.QueryContext(ctx, "EXPLAIN "+query)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				lines = append(lines, strings.TrimSpace(line))
			}
			return rows.Err()
		})
		return lines, err
	}
	rows, err := d.w.DB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused sql.NullInt64
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		lines = append(lines, detail)
	}
	return lines, rows.Err()
}
