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
var epochColumns = [...]string{"accounts", "users", "tokens", "apps", "statuses", "instances", "site"}

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
func (c *cachingConn) countWrite(ctx context.Context, set table) {
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
}

// syncEpochs advances the generations of the tables another process wrote
// since the last look (SQLite; a no-op elsewhere).
func (d *DB) syncEpochs() {
	if d.epochs == nil {
		return
	}
	asked := time.Now().UnixNano()
	d.epochs.mu.Lock()
	defer d.epochs.mu.Unlock()
	if d.epochs.began.Load() >= asked {
		return // a read that began after this lookup has just been made
	}
	began := time.Now().UnixNano()
	var n [len(epochColumns)]int64
	err := d.r.QueryRowContext(context.Background(),
		"SELECT accounts, users, tokens, apps, statuses, instances, site FROM cache_epochs WHERE id = 1").
		Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6])
	if err != nil {
		return // before migrating: nothing is cached yet either
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
