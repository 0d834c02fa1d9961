package db

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun/driver/pgdriver"
)

// stmtCache is a driver.Connector whose connections keep a prepared
// statement for each shape of SELECT they run (sqlparams.go turns the values
// bun wrote into the SQL back into arguments), so that the database parses
// and plans a hydration query once per connection instead of on every
// request. Queries that cannot be parameterized, writes, and queries that
// come with arguments run as before.
type stmtCache struct {
	base     driver.Connector
	postgres bool
	gens     *generations // of the watched tables (invalidation.go)
	size     int          // statements kept per connection
	// refused holds the shapes the database would not prepare (PostgreSQL
	// cannot type a placeholder in some places): they run as written.
	refused sync.Map
	// generation changes when the schema may have changed (Migrate): cached
	// statements of an older generation are dropped before the next query.
	generation atomic.Int64
	hits       atomic.Int64
	misses     atomic.Int64
}

// statementsPerConnection bounds each connection's cache: the hot read
// path has a few dozen shapes (IN lists of different lengths among them).
const statementsPerConnection = 256

func newStmtCache(base driver.Connector, postgres bool, gens *generations) *stmtCache {
	return &stmtCache{base: base, postgres: postgres, gens: gens, size: statementsPerConnection}
}

func (c *stmtCache) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, cache: c, stmts: map[string]*list.Element{}, lru: list.New(), generation: c.generation.Load()}, nil
}

func (c *stmtCache) Driver() driver.Driver { return c.base.Driver() }

// invalidate drops every connection's statements before its next query.
func (c *stmtCache) invalidate() { c.generation.Add(1) }

// dsnConnector is the connector of a driver that has none (SQLite).
type dsnConnector struct {
	driver driver.Driver
	dsn    string
}

func (d dsnConnector) Connect(context.Context) (driver.Conn, error) { return d.driver.Open(d.dsn) }
func (d dsnConnector) Driver() driver.Driver                        { return d.driver }

// cachedStmt is a prepared statement of a connection; busy while rows of
// it are open (a statement runs once at a time).
type cachedStmt struct {
	shape string
	stmt  driver.Stmt
	busy  bool
}

// cachingConn is one connection with its statements, used by one goroutine
// at a time (database/sql's rule), so it needs no lock.
type cachingConn struct {
	driver.Conn
	cache      *stmtCache
	stmts      map[string]*list.Element // of *cachedStmt, most recently used first
	lru        *list.List
	generation int64
	inTx       bool
	// pending are the watched tables the open transaction wrote; notified
	// those it has announced on PostgreSQL (invalidation.go), counted those
	// it has counted in cache_epochs on SQLite (invalidation_sqlite.go).
	pending, notified, counted table
}

var (
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		if rows, handled, err := c.cachedQuery(ctx, query); handled {
			return rows, err
		}
	}
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args) // INSERT … RETURNING among them
	return c.afterRows(ctx, rows, err, writtenTables(query))
}

// afterRows records a write that returns rows once they are read: the
// connection cannot run the NOTIFY while they stream.
func (c *cachingConn) afterRows(ctx context.Context, rows driver.Rows, err error, set table) (driver.Rows, error) {
	if set == 0 {
		return rows, err
	}
	if err != nil {
		c.wrote(ctx, set)
		return nil, err
	}
	return &writtenRows{Rows: rows, done: func() { c.wrote(ctx, set) }}, nil
}

// writtenRows are the rows of a write (RETURNING).
type writtenRows struct {
	driver.Rows
	done func()
}

func (r *writtenRows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}

// cachedQuery runs query through a cached statement of its shape; handled
// false leaves it to the driver as written.
func (c *cachingConn) cachedQuery(ctx context.Context, query string) (rows driver.Rows, handled bool, err error) {
	shape, args, ok := parameterize(query, c.cache.postgres)
	if !ok {
		shape, args, ok = parameterizeWrite(query, c.cache.postgres) // INSERT … RETURNING
	}
	if !ok {
		return nil, false, nil
	}
	if _, refused := c.cache.refused.Load(shape); refused {
		return nil, false, nil
	}
	if g := c.cache.generation.Load(); g != c.generation {
		c.closeStatements()
		c.generation = g
	}
	cs := c.statement(ctx, shape)
	if cs == nil || cs.busy {
		return nil, false, nil
	}
	q, ok := cs.stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, false, nil
	}
	r, err := q.QueryContext(ctx, args)
	if err != nil {
		return nil, true, err
	}
	cs.busy = true
	return &cachedRows{Rows: r, stmt: cs}, true, nil
}

// statement returns the connection's statement of shape, preparing it if
// it may; nil when the query should run unprepared.
func (c *cachingConn) statement(ctx context.Context, shape string) *cachedStmt {
	if e, ok := c.stmts[shape]; ok {
		c.lru.MoveToFront(e)
		c.cache.hits.Add(1)
		return e.Value.(*cachedStmt)
	}
	c.cache.misses.Add(1)
	st, err := c.prepare(ctx, shape)
	if err != nil {
		var pgErr pgdriver.Error
		if !c.cache.postgres || errors.As(err, &pgErr) {
			c.cache.refused.Store(shape, struct{}{})
		}
		return nil
	}
	cs := &cachedStmt{shape: shape, stmt: st}
	c.stmts[shape] = c.lru.PushFront(cs)
	for c.lru.Len() > c.cache.size {
		if !c.evictOldestIdle() {
			break
		}
	}
	return cs
}

// prepare prepares a statement of the connection. A failed prepare aborts
// a PostgreSQL transaction: inside one, it runs in a savepoint of its own
// (three round trips, once per shape and connection).
func (c *cachingConn) prepare(ctx context.Context, shape string) (driver.Stmt, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !c.inTx || !c.cache.postgres || !ok {
		return c.PrepareContext(ctx, shape)
	}
	// Errors of the savepoint itself are not the database refusing the
	// shape (%v, not %w: statement tells them apart by pgdriver.Error).
	if _, err := e.ExecContext(ctx, "SAVEPOINT stmtcache_prepare", nil); err != nil {
		return nil, fmt.Errorf("db: savepoint for a prepare: %v", err)
	}
	st, err := c.PrepareContext(ctx, shape)
	if err != nil {
		if _, rerr := e.ExecContext(ctx, "ROLLBACK TO SAVEPOINT stmtcache_prepare", nil); rerr != nil {
			return nil, fmt.Errorf("db: savepoint for a prepare: %v", rerr)
		}
	}
	if _, rerr := e.ExecContext(ctx, "RELEASE SAVEPOINT stmtcache_prepare", nil); rerr != nil {
		if st != nil {
			st.Close()
		}
		return nil, fmt.Errorf("db: savepoint for a prepare: %v", rerr)
	}
	return st, err
}

// evictOldestIdle closes the least recently used statement not in use.
func (c *cachingConn) evictOldestIdle() bool {
	for e := c.lru.Back(); e != nil; e = e.Prev() {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			continue
		}
		c.lru.Remove(e)
		delete(c.stmts, cs.shape)
		cs.stmt.Close()
		return true
	}
	return false
}

func (c *cachingConn) closeStatements() {
	for c.lru.Len() > 0 {
		if !c.evictOldestIdle() {
			// Rows still open: forget the rest without closing them; the
			// driver closes them with the connection.
			c.stmts = map[string]*list.Element{}
			c.lru.Init()
		}
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.inTx && strings.HasPrefix(query, "ROLLBACK TO") {
		// The NOTIFYs sent (and the cache_epochs counted) since the
		// savepoint are withdrawn with its writes: the next write of a
		// watched table must tell again.
		c.notified, c.counted = 0, 0
	}
	// On PostgreSQL a query with arguments runs as the driver formats it
	// (its callers prepare the hot ones).
	if len(args) == 0 || !c.cache.postgres {
		shape, shapeArgs, ok := query, args, len(args) > 0
		if !ok {
			shape, shapeArgs, ok = parameterizeWrite(query, c.cache.postgres)
		}
		if ok {
			if res, handled, err := c.cachedExec(ctx, shape, shapeArgs); handled {
				return res, err
			}
		}
	}
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	c.wrote(ctx, writtenTables(query))
	return res, err
}

// cachedExec runs a write with its arguments (SQL written with
// placeholders, such as the home feed's fan-out, or the shape of one bun
// wrote values into) through a statement kept on the connection: SQLite
// would parse it again on every run, and its one writer connection runs
// every write. (On PostgreSQL such statements are prepared by their
// callers.) handled false leaves it to the driver.
func (c *cachingConn) cachedExec(ctx context.Context, query string, args []driver.NamedValue) (res driver.Result, handled bool, err error) {
	if _, refused := c.cache.refused.Load(query); refused {
		return nil, false, nil
	}
	if g := c.cache.generation.Load(); g != c.generation {
		c.closeStatements()
		c.generation = g
	}
	cs := c.statement(ctx, query)
	if cs == nil || cs.busy {
		return nil, false, nil
	}
	e, ok := cs.stmt.(driver.StmtExecContext)
	if !ok {
		return nil, false, nil
	}
	res, err = e.ExecContext(ctx, args) // a writingStmt when it writes a watched table: it tells
	return res, true, err
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	if set := writtenTables(query); set != 0 {
		return &writingStmt{Stmt: st, conn: c, set: set}, nil
	}
	return st, nil
}

// writingStmt is a prepared statement that writes watched tables.
type writingStmt struct {
	driver.Stmt
	conn *cachingConn
	set  table
}

func (s *writingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("db: the driver's statements cannot run with a context")
	}
	res, err := e.ExecContext(ctx, args)
	s.conn.wrote(ctx, s.set)
	return res, err
}

func (s *writingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("db: the driver's statements cannot run with a context")
	}
	rows, err := q.QueryContext(ctx, args)
	return s.conn.afterRows(ctx, rows, err, s.set)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("db: the driver cannot begin transactions with options")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &cachingTx{Tx: tx, conn: c}, nil
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Close() error {
	if c.IsValid() {
		c.closeStatements()
	} // a broken connection takes its statements with it
	return c.Conn.Close()
}

type cachingTx struct {
	driver.Tx
	conn *cachingConn
}

func (t *cachingTx) Commit() error {
	if err := t.conn.notifyPending(); err != nil {
		t.Tx.Rollback()
		t.conn.ended(false)
		return err
	}
	err := t.Tx.Commit()
	t.conn.ended(err == nil)
	return err
}

// notifyPending tells the other processes, in the transaction, of the
// watched tables it wrote (PostgreSQL; wrote in invalidation.go).
func (c *cachingConn) notifyPending() error {
	set := c.pending &^ c.notified
	ch := c.cache.gens.channel.Load()
	if !c.cache.postgres || set == 0 || ch == nil {
		return nil
	}
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil
	}
	if _, err := e.ExecContext(context.Background(), notifySQL(*ch, set), nil); err != nil {
		return fmt.Errorf("db: notify before commit: %w", err)
	}
	c.notified |= set
	return nil
}

func (t *cachingTx) Rollback() error {
	err := t.Tx.Rollback()
	t.conn.ended(false)
	return err
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	r.stmt.busy = false
	return r.Rows.Close()
}

// The wrapped rows keep telling column types (bun's map models read them).

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type   { return scanType(r.Rows, i) }
func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string { return databaseTypeName(r.Rows, i) }
func (r *writtenRows) ColumnTypeScanType(i int) reflect.Type  { return scanType(r.Rows, i) }
func (r *writtenRows) ColumnTypeDatabaseTypeName(i int) string {
	return databaseTypeName(r.Rows, i)
}

func scanType(r driver.Rows, i int) reflect.Type {
	if t, ok := r.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func databaseTypeName(r driver.Rows, i int) string {
	if t, ok := r.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}
