package db

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun"
)

// Test hooks of analytics_test.go: show the plan a query gets (RecordQueries
// records the SQL the store runs).

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
