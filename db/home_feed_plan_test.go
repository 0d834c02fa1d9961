package db

import (
	"context"
	"database/sql"
	"testing"
)

// sqliteOpcodes lists the opcodes of query's program on SQLite (EXPLAIN).
func sqliteOpcodes(t *testing.T, d *DB, query string, args ...any) []string {
	t.Helper()
	rows, err := d.w.DB.QueryContext(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var ops []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var op sql.NullString
		op.Scan(vals[1])
		ops = append(ops, op.String)
	}
	return ops
}

func openPlanDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, "sqlite://"+t.TempDir()+"/plan.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// The fan-out runs on every stored status: a temporary b-tree in its
// program (a UNION's set, a materialized subquery, an automatic index) is
// opened and freed on every post, with a page cache of its own that the Go
// port of SQLite maps and unmaps each time.
func TestFanOutPlanOpensNoTemporaryBTree(t *testing.T) {
	d := openPlanDB(t)
	for _, op := range sqliteOpcodes(t, d, d.fanOutSQL(), 1, 1, 1, 1) {
		switch op {
		case "OpenEphemeral", "OpenAutoindex", "SorterOpen":
			t.Errorf("the fan-out's program has %s", op)
		}
	}
}
