package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// Prepared statements for the hottest reads. bun writes argument values
// into the SQL, so the database parses and plans every query anew; for a
// long query run on every request (the home timeline) that costs more than
// running it. These are built with bun once, with placeholders where the
// values go, prepared by database/sql on each connection that runs them,
// and PostgreSQL reuses a generic plan after a few runs.

// param is the placeholder of the n-th argument, written in the dialect's
// syntax ($n on PostgreSQL, ?n on SQLite) where bun formats a value.
type param int

// AppendQuery writes the placeholder (bun calls it while formatting).
func (n param) AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error) {
	if gen.Dialect().Name() == dialect.PG {
		b = append(b, '$')
	} else {
		b = append(b, '?')
	}
	return strconv.AppendInt(b, int64(n), 10), nil
}

// blindParam is param(n) that SQLite's planner does not look into: "+(?n)"
// on SQLite, plain "$n" on PostgreSQL (which cannot type "+$n"). With
// ANALYZE's STAT4 samples, SQLite plans a comparison of an indexed column
// with a bound value for that value, and then prepares the statement again
// every time the value is bound — every run (bench/hometimeline: a fifth
// of the home request's CPU). The unary plus hides the value from the
// planner (it estimates from the averages, which give the same index) and
// the statement is prepared once. For the viewer's id and other values
// that pick an index: any viewer is planned alike.
type blindParam int

// AppendQuery writes the placeholder.
func (n blindParam) AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error) {
	if gen.Dialect().Name() == dialect.PG {
		return param(n).AppendQuery(gen, b)
	}
	b = append(b, "+(?"...)
	return append(strconv.AppendInt(b, int64(n), 10), ')'), nil
}

// blindID is an id written as a value SQLite's planner does not look into
// (blindParam): "+(id)", which the statement cache turns into "+(?n)"
// (sqlparams.go); the plain id on PostgreSQL.
type blindID int64

// AppendQuery writes the id.
func (id blindID) AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error) {
	if gen.Dialect().Name() == dialect.PG {
		return strconv.AppendInt(b, int64(id), 10), nil
	}
	b = append(b, "+("...)
	return append(strconv.AppendInt(b, int64(id), 10), ')'), nil
}

// placeholder is param(n) as text, for SQL that bun does not format.
func (d *DB) placeholder(n int) string {
	if d.dialect == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?" + strconv.Itoa(n)
}

// blindPlaceholder is blindParam(n) as text, for SQL that bun does not
// format.
func (d *DB) blindPlaceholder(n int) string {
	if d.dialect == Postgres {
		return d.placeholder(n)
	}
	return "+(" + d.placeholder(n) + ")"
}

// timeParam is a time as a bound argument compares with stored times:
// SQLite keeps them as text in bun's layout.
func (d *DB) timeParam(t time.Time) any {
	if d.dialect == Postgres {
		return t
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
}

// preparedStatuses runs the statement key (built by build on first use, a
// query of statuses s selecting statusSelect("s")) with args and returns
// the statuses it selects (scanStatuses), with their authors (withAuthors).
func (d *DB) preparedStatuses(ctx context.Context, key string, build func() (string, error), args ...any) ([]*Status, error) {
	stmt, err := d.statement(ctx, key, build)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	list, err := scanStatuses(rows)
	if err != nil {
		return nil, err
	}
	return list, d.withAuthors(ctx, list)
}

// withAuthors sets the author of each status of a page from the accounts
// cache rather than joining accounts in the page's query: a page has few
// authors, and scanning their ~50 columns again for every row cost more than
// the rest of the query. Which statuses are on the page is still the
// query's decision (visibility included); this only fills in who wrote them.
func (d *DB) withAuthors(ctx context.Context, list []*Status) error {
	ids := make([]int64, 0, len(list))
	for _, s := range list {
		ids = append(ids, s.AccountID)
	}
	authors, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for _, s := range list {
		a, ok := authors[s.AccountID]
		if !ok {
			return fmt.Errorf("db: status %d: author %d: %w", s.ID, s.AccountID, ErrNotFound)
		}
		author := *a // each status its own copy, as a joined row gave
		s.Account = &author
	}
	return nil
}

// statement returns the prepared statement key, preparing it once.
func (d *DB) statement(ctx context.Context, key string, build func() (string, error)) (*sql.Stmt, error) {
	if s, ok := d.stmts.Load(key); ok {
		return s.(*sql.Stmt), nil
	}
	query, err := build()
	if err != nil {
		return nil, err
	}
	stmt, err := d.r.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("db: prepare %s: %w", key, err)
	}
	if s, loaded := d.stmts.LoadOrStore(key, stmt); loaded {
		stmt.Close()
		return s.(*sql.Stmt), nil
	}
	return stmt, nil
}

// closeStatements closes the prepared statements (DB.Close).
func (d *DB) closeStatements() {
	d.stmts.Range(func(k, s any) bool {
		s.(*sql.Stmt).Close()
		d.stmts.Delete(k)
		return true
	})
}
