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
var epochColumns = [...]string{"accounts", "users", "tokens", "apps", "statuses", "instances", "site", "follows", "account_rows", "local_account_rows", "domain_blocks"}

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

// A shared counter spares most of those reads. Beside the database file
// (<file>-kontor-epoch) every process maps one uint64 (epoch_counter_unix.go);
// a writer adds 1 to it once its transaction that counted a table in
// cache_epochs has committed, before the commit returns to its caller; a
// reader loads it and, while it still holds the value loaded before its last
// read of cache_epochs, that read still stands: every write committed since
// would have moved it. Hence what it promises: a write whose commit has
// returned is seen by every process's next request. A process killed between
// its commit and its add leaves the others stale until they read cache_epochs
// anyway, which they do at least every epochRecheck; so does a process whose
// counter file was removed and created anew under it. Without the mapping
// (another OS, a file it may not create) cache_epochs is read every time.

// epochRecheck bounds how long the shared counter alone may vouch for the
// last read of cache_epochs (a writer that died before adding to it).
const epochRecheck = time.Second

// epochCounter is the write counter shared by the processes of one SQLite file.
// The mapping is never unmapped: a lookup racing the store's Close must not
// fault, and it is one page per Open.
type epochCounter struct {
	n *atomic.Uint64 // in the shared mapping
}

// epochs are the counts of cache_epochs a store last saw (SQLite).
type epochs struct {
	seen [len(epochColumns)]atomic.Int64
	mu   sync.Mutex
	// began is when the last finished read of cache_epochs began (unix ns).
	began atomic.Int64
	// reads counts the reads of cache_epochs (for tests).
	reads atomic.Int64
	// counter is the shared write counter (nil: none); counted is a value
	// of it up to which this store's generations reflect every write.
	counter *epochCounter
	counted atomic.Uint64
	// recheck is epochRecheck (tests change it).
	recheck time.Duration
}

// bump tells the other processes that a transaction which counted tables
// in cache_epochs has committed; this store's generations already hold the
// write.
func (e *epochs) bump() {
	if e == nil || e.counter == nil {
		return
	}
	n := e.counter.n.Add(1)
	// This store's own write needs no read of cache_epochs: if everything
	// up to n-1 was reflected, so is everything up to n. (Its counts in
	// cache_epochs will read as changed at the next read, once: harmless.)
	e.counted.CompareAndSwap(n-1, n)
}

// unchanged reports whether no process has committed a write since the
// last read of cache_epochs (which began less than epochRecheck ago).
func (e *epochs) unchanged() bool {
	if e.counter == nil {
		return false
	}
	if time.Now().UnixNano()-e.began.Load() >= int64(e.recheck) {
		return false
	}
	return e.counter.n.Load() == e.counted.Load()
}

// syncEpochs advances the generations of the tables another process wrote
// in a transaction committed before asked (unix ns): one read of
// cache_epochs that began after asked, shared by every lookup it satisfies,
// or none while the shared counter says nothing was written.
func (d *DB) syncEpochs(asked int64) {
	if d.epochs.began.Load() >= asked || d.epochs.unchanged() {
		return
	}
	d.epochs.mu.Lock()
	defer d.epochs.mu.Unlock()
	if d.epochs.began.Load() >= asked {
		return // a read that began after asked has just been made
	}
	began := time.Now().UnixNano()
	var counter uint64
	if d.epochs.counter != nil {
		// Loaded before the read: a write counted after this load may or
		// may not be in what the read returns, so it must move the counter
		// past this value.
		counter = d.epochs.counter.n.Load()
	}
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
	d.epochs.counted.Store(counter)
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
