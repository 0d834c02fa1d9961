// Package db is Kontor's store: bun models, every query, the visibility rule
// and the queue tables. No SQL lives outside this package.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique value (username, email …) is taken.
var ErrConflict = errors.New("already exists")

// DB is the store. On SQLite, writes go through one connection (SQLite has one
// writer; queueing in Go beats SQLITE_BUSY retries) and reads through a pool.
// On PostgreSQL both are the same pool.
type DB struct {
	w       *bun.DB
	r       *bun.DB
	dialect string
	ids     *IDGenerator
	stmts   sync.Map // prepared statements by name (prepared.go)
	// caches are the pools' statement caches (stmtcache.go), told when the
	// schema changes.
	caches []*stmtCache
	// gens count the writes of the tables the read caches watch
	// (invalidation.go); stopListening ends the PostgreSQL listener of them.
	gens          *generations
	stopListening func()
	reads         *readCaches
	epochs        *epochs       // SQLite: other processes' writes (invalidation_sqlite.go)
	checkpoints   *checkpointer // SQLite: the WAL's checkpoints (sqlite_checkpoint.go)
	inboxInserts  inboxInserts
}

// Open connects to the database named by a config URL (sqlite://… or
// postgres://…). It does not migrate; call Migrate.
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	dialect, dsn, err := ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	d := &DB{dialect: dialect, ids: NewIDGenerator(), gens: &generations{}}
	d.reads = newReadCaches(d.gens)
	switch dialect {
	case SQLite:
		if err := d.openSQLite(dsn); err != nil {
			return nil, err
		}
		d.epochs = &epochs{recheck: epochRecheck}
		if dsn != ":memory:" {
			d.epochs.counter = openEpochCounter(dsn)
		}
		d.gens.sync = d.syncEpochs
		d.gens.epochs = d.epochs
	case Postgres:
		cache := newStmtCache(pgdriver.NewConnector(pgdriver.WithDSN(dsn), pgdriver.WithTimeout(10*time.Second)), true, d.gens)
		d.caches = append(d.caches, cache)
		sqldb := sql.OpenDB(cache)
		sqldb.SetMaxOpenConns(4 * runtime.GOMAXPROCS(0) * 4)
		sqldb.SetMaxIdleConns(4 * runtime.GOMAXPROCS(0) * 4)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		d.w = bun.NewDB(sqldb, pgdialect.New())
		d.r = d.w
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.w.PingContext(pingCtx); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: connect to %s: %w", redact(databaseURL), err)
	}
	if dialect == Postgres {
		if err := d.assignNodeTag(ctx); err != nil {
			d.Close()
			return nil, err
		}
		if err := d.listenForInvalidations(ctx); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

// readerIdleTime closes a SQLite reader connection that went unused this
// long. Each holds its own page cache (up to 2 MB), parsed schema and
// prepared statements: after a burst had all of them open, a server kept
// them for good (~1 MB each on the readpath bench's small database).
// database/sql hands out the most recently used connection first, so a
// steady trickle keeps one warm and the rest close; reopening one costs a
// few milliseconds once per burst.
var readerIdleTime = time.Minute

func (d *DB) openSQLite(path string) error {
	// Fail early with a clear message rather than "unable to open database file".
	if dir := filepath.Dir(path); dir != "." {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("db: directory %s for the SQLite file does not exist", dir)
		}
	}
	pinAllocatorPages()
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// The writer's statement journals stay in memory (temp_store): otherwise
	// SQLite buffers each in a 64 KiB chunk, which the Go port of its
	// allocator maps and unmaps around every write statement in a
	// transaction (a quarter of the inbox's CPU went to those syscalls).
	// Checkpoints run on a connection of their own (sqlite_checkpoint.go);
	// the writer's automatic one is the safety net.
	w, err := d.openSQLitePool("file:" + path + "?" + pragmas + "&_pragma=temp_store(MEMORY)&_txlock=immediate" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(writerAutoCheckpoint) + ")")
	if err != nil {
		return fmt.Errorf("db: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := d.openSQLitePool("file:" + path + "?" + pragmas + "&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("db: open %s: %w", path, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(readerIdleTime)
	if path != ":memory:" {
		if err := d.startCheckpointer("file:" + path + "?" + pragmas); err != nil {
			w.Close()
			r.Close()
			return fmt.Errorf("db: open %s: %w", path, err)
		}
	}
	d.w = bun.NewDB(w, sqlitedialect.New())
	d.r = bun.NewDB(r, sqlitedialect.New())
	return nil
}

// openSQLitePool opens a pool of SQLite connections that cache their
// statements (stmtcache.go).
func (d *DB) openSQLitePool(dsn string) (*sql.DB, error) {
	probe, err := sql.Open(sqliteshim.ShimName, dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	cache := newStmtCache(dsnConnector{driver: drv, dsn: dsn}, false, d.gens)
	d.caches = append(d.caches, cache)
	return sql.OpenDB(cache), nil
}

// schemaChanged drops the statements every connection prepared: they may
// describe tables as they were.
func (d *DB) schemaChanged() {
	for _, c := range d.caches {
		c.invalidate()
	}
	d.gens.advance(allTables)
}

// assignNodeTag gives this process a distinct tag for the low bits of its IDs,
// so several Kontor processes on one PostgreSQL never mint the same ID.
func (d *DB) assignNodeTag(ctx context.Context) error {
	if _, err := d.w.ExecContext(ctx, "CREATE SEQUENCE IF NOT EXISTS kontor_node_tag"); err != nil {
		return fmt.Errorf("db: node tag sequence: %w", err)
	}
	var n int64
	if err := d.w.QueryRowContext(ctx, "SELECT nextval('kontor_node_tag')").Scan(&n); err != nil {
		return fmt.Errorf("db: node tag: %w", err)
	}
	d.ids.SetNodeTag(uint16(n))
	return nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

// Dialect is "sqlite" or "postgres".
func (d *DB) Dialect() string { return d.dialect }

// noReturning, given to an insert's Returning, keeps bun from reading back
// the model's nullable and defaulted columns, which hold what the insert
// wrote anyway. The inbox's inserts (items, statuses, card fetches) use it:
// SQLite gathers RETURNING rows in a temporary b-tree, a page cache the Go
// port maps and unmaps on every run, and bun scanned them by reflection
// (bench/inbox).
const noReturning = "NULL"

// IDs is the generator of time-ordered IDs.
func (d *DB) IDs() *IDGenerator { return d.ids }

// NewID returns a fresh time-ordered ID.
func (d *DB) NewID() int64 { return d.ids.Next() }

// Ping checks that the database answers (for /healthz).
func (d *DB) Ping(ctx context.Context) error {
	if err := d.w.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return d.r.NewRaw("SELECT 1").Scan(ctx, &one)
}

// Close closes both pools.
func (d *DB) Close() error {
	if d.stopListening != nil {
		d.stopListening()
	}
	d.closeStatements()
	var err error
	if d.checkpoints != nil {
		err = d.checkpoints.close()
	}
	if d.r != nil && d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	if d.w != nil {
		err = errors.Join(err, d.w.Close())
	}
	return err
}

// tx runs fn in a write transaction.
func (d *DB) tx(ctx context.Context, fn func(tx bun.Tx) error) error {
	return d.w.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return fn(tx) })
}

// isUniqueViolation reports whether err is a unique-constraint failure on either dialect.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		return pgErr.Field('C') == "23505"
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "constraint failed: UNIQUE")
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// now is the database's idea of the current time: UTC, microsecond precision
// (both dialects store microseconds, so values read back compare equal).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// CreateSchema creates a PostgreSQL schema (test harnesses give each
// instance its own schema in one database).
func (d *DB) CreateSchema(ctx context.Context, name string) error {
	if d.dialect != Postgres || !schemaName.MatchString(name) {
		return fmt.Errorf("db: create schema %q: needs PostgreSQL and a plain name", name)
	}
	_, err := d.w.ExecContext(ctx, "CREATE SCHEMA "+name)
	return err
}

// DropSchema drops a PostgreSQL schema and everything in it.
func (d *DB) DropSchema(ctx context.Context, name string) error {
	if d.dialect != Postgres || !schemaName.MatchString(name) {
		return fmt.Errorf("db: drop schema %q: needs PostgreSQL and a plain name", name)
	}
	_, err := d.w.ExecContext(ctx, "DROP SCHEMA "+name+" CASCADE")
	return err
}

// nonNegative is the SET clause "col = expr, but never below zero" (counters
// must not go negative when a delete races an undo). GREATEST is spelled
// MAX in SQLite.
func (d *DB) nonNegative(col, expr string) string {
	if d.dialect == Postgres {
		return col + " = GREATEST(" + expr + ", 0)"
	}
	return col + " = MAX(" + expr + ", 0)"
}

// ParseDatabaseURL splits the database key into a dialect ("sqlite" or
// "postgres") and the driver's DSN.
func ParseDatabaseURL(raw string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		path := strings.TrimPrefix(raw, "sqlite://")
		if path == "" {
			return "", "", errors.New("sqlite:// needs a file path, e.g. sqlite://kontor.db")
		}
		return "sqlite", path, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return "", "", fmt.Errorf("%q is not a valid postgres URL (postgres://user@host:5432/db?sslmode=disable)", raw)
		}
		return "postgres", raw, nil
	case raw == "":
		return "", "", errors.New("must not be empty (sqlite://path/to.db or postgres://user@host:5432/db)")
	default:
		return "", "", fmt.Errorf("%q: want sqlite://path/to.db or postgres://user@host:5432/db?sslmode=disable", raw)
	}
}
