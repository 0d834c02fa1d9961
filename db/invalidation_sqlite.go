package db

import (
	"context"
	"database/sql/driver"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Another process writing the same SQLite file (an admin command while the
// server runs: a suspension, a revoked token) cannot notify this one. So on
// SQLite every write of a watched table also counts it in cache_epochs, in
// the same transaction, and a read cache first compares those counts with
// the ones it last saw: a table written elsewhere drops its entries before
// the lookup. The comparison is one one-row read; lookups that wait at once
// share one read, as long as it began after they did (so a write committed
// before a lookup began is always seen).

// epochColumns are cache_epochs' columns in the order of the table bits.
var epochColumns = [...]string{"accounts", "users", "tokens", "apps", "statuses", "instances", "site", "follows"}

// epochSQL is the statement that counts the writes of set.
func epochSQL(set table) string {
	var b strings.Builder
	b.WriteString("UPDATE cache_epochs SET ")
	first := true
	for i, col := range epochColumns {
		if set&(1<<i) == 0 {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(col + " = " + col + " + 1")
	}
	b.WriteString(" WHERE id = 1")
	return b.String()
}

// countWrite counts set in cache_epochs on this (SQLite) connection. Before
// the table exists (migrating) the statement fails, harmlessly.
// Within a transaction each table is counted once: another process only
// asks whether the count moved.
func (c *cachingConn) countWrite(ctx context.Context, set table) {
	if c.inTx {
		if set &^= c.counted; set == 0 {
			return
		}
		c.counted |= set
	}
	// Past the statement cache: its statements of a write tell wrote, which
	// would count again (the column names read as the watched tables).
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		e.ExecContext(ctx, epochSQL(set), nil) //nolint:errcheck
	}
}

// epochs are the counts of cache_epochs a store last saw (SQLite).
type epochs struct {
	seen [len(epochColumns)]atomic.Int64
	mu   sync.Mutex
	// began is when the last finished read of cache_epochs began (unix ns).
	began atomic.Int64
	// reads counts the reads of cache_epochs (for tests).
	reads atomic.Int64
}

// syncEpochs advances the generations of the tables another process wrote
// in a transaction committed before asked (unix ns): one read of
// cache_epochs that began after asked, shared by every lookup it satisfies.
func (d *DB) syncEpochs(asked int64) {
	if d.epochs.began.Load() >= asked {
		return
	}
	d.epochs.mu.Lock()
	defer d.epochs.mu.Unlock()
	if d.epochs.began.Load() >= asked {
		return // a read that began after asked has just been made
	}
	began := time.Now().UnixNano()
	d.epochs.reads.Add(1)
	var n [len(epochColumns)]int64
	// Prepared once: the statement has no value worth a placeholder, so the
	// statement cache would parse it again on every request.
	stmt, err := d.statement(context.Background(), "cache_epochs", func() (string, error) {
		return "SELECT " + strings.Join(epochColumns[:], ", ") + " FROM cache_epochs WHERE id = 1", nil
	})
	if err != nil {
		return // before migrating: nothing is cached yet either
	}
	dest := make([]any, len(n))
	for i := range n {
		dest[i] = &n[i]
	}
	if err := stmt.QueryRowContext(context.Background()).Scan(dest...); err != nil {
		return
	}
	var changed table
	for i, v := range n {
		if d.epochs.seen[i].Swap(v) != v {
			changed |= 1 << i
		}
	}
	d.gens.advance(changed)
	d.epochs.began.Store(began)
}

// A request reads the cache_epochs once, not at each of its lookups: what
// another process committed before the request began is what it must see
// (a suspension from the CLI, then the suspended person's next request).

type readsSinceKey struct{}

// ReadsSince marks ctx as a request that began at start: its cached reads
// see every write committed before start, by any process.
func ReadsSince(ctx context.Context, start time.Time) context.Context {
	return context.WithValue(ctx, readsSinceKey{}, start.UnixNano())
}

// requestMarkAge bounds how long a request's mark stands in for the present:
// a long-lived request (a stream) looks afresh.
const requestMarkAge = time.Second

// freshen brings the generations up to date for the reads of ctx before a
// cache is consulted: on SQLite, through cache_epochs; on PostgreSQL,
// notifications already did.
func (d *DB) freshen(ctx context.Context) {
	if d.gens.sync == nil {
		return
	}
	now := time.Now().UnixNano()
	asked := now
	if start, ok := ctx.Value(readsSinceKey{}).(int64); ok && now-start < int64(requestMarkAge) {
		asked = start
	}
	d.gens.sync(asked)
}
