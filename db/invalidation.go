package db

import (
	"context"
	"database/sql/driver"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Read caches (readcache.go) keep rows that every request reads. They are
// invalidated by table: every statement that writes (INSERT, UPDATE,
// DELETE, DDL) passes through the connections of stmtcache.go, which note
// the watched tables it names and, once it is committed, advance those
// tables' generations; a cached row is good only while the generations it
// was read under are unchanged. On PostgreSQL the same statement's
// transaction also sends the tables on a NOTIFY channel, delivered to every
// process of the schema when (and only if) it commits, so several processes
// on one database drop their copies too.

// table is a bit of a set of watched tables.
type table uint32

const (
	tableAccounts table = 1 << iota
	tableUsers
	tableTokens
	tableApps
	tableStatuses
	tableInstances
	tableSite    // site_texts and site_rules (instance_texts.go)
	tableFollows // follows and follow requests (the count of requests in verify_credentials)
	// tableAccountRows: accounts written other than by the counters that
	// every post and follow moves (counterWrite); a suspension, a deletion,
	// a profile. Such a write is also a write of tableAccounts.
	tableAccountRows
	// tableLocalAccountRows: a write of tableAccountRows that may touch a
	// local account's row: all but the stores of fetched remote actors
	// (remoteAccountWrites), which every unknown sender causes.
	tableLocalAccountRows
	tableDomainBlocks
	allTables = tableAccounts | tableUsers | tableTokens | tableApps | tableStatuses | tableInstances | tableSite | tableFollows |
		tableAccountRows | tableLocalAccountRows | tableDomainBlocks
)

// watched names the tables whose writes the caches must hear of. Naming a
// table is enough: a write that mentions accounts anywhere (a subquery)
// invalidates accounts, which costs a re-read, never a stale row. Tables
// whose rows disappear with these by ON DELETE CASCADE need no entry: the
// cascade starts with a write to a watched table (oauth_apps is watched
// because its deletion removes tokens).
var watched = map[string]table{
	"accounts":      tableAccounts,
	"users":         tableUsers,
	"oauth_tokens":  tableTokens,
	"oauth_apps":    tableApps,
	"statuses":      tableStatuses,
	"instances":     tableInstances,
	"site_texts":    tableSite,
	"site_rules":    tableSite,
	"follows":       tableFollows,
	"domain_blocks": tableDomainBlocks,
}

// remoteAccountWritesKey marks the context of statements that write only
// remote accounts' rows (remoteAccountWrites).
type remoteAccountWritesKey struct{}

// remoteAccountWrites returns a context whose writes of accounts touch no
// local account's row: the caller makes sure of it (a fetched actor is
// stored by its remote URI and handle). They are writes of
// tableAccountRows, not of tableLocalAccountRows.
func remoteAccountWrites(ctx context.Context) context.Context {
	return context.WithValue(ctx, remoteAccountWritesKey{}, true)
}

// generations are the watched tables' write counters of one store.
type generations struct {
	gen [11]atomic.Uint64
	// channel is the PostgreSQL NOTIFY channel of the schema ("" until the
	// store knows it, and on SQLite).
	channel atomic.Pointer[string]
	// sync hears of other processes' writes committed before asked (unix
	// ns) before a cache is consulted (SQLite: cache_epochs,
	// invalidation_sqlite.go); nil on PostgreSQL.
	sync func(asked int64)
	// epochs tells other processes of this one's writes (SQLite: the
	// shared counter, invalidation_sqlite.go); nil on PostgreSQL.
	epochs *epochs
	// reads numbers the rows put in the read caches, so that something made
	// from cached rows (a rendered answer) can tell when one was read anew.
	reads atomic.Uint64
	// clock is the read caches' time (tests move it; nil: time.Now).
	clock atomic.Pointer[func() time.Time]
	// markers counts the empty notifications heard (PostgreSQL): no write
	// sends one, a test does to wait until what was committed before it has
	// been heard.
	markers atomic.Uint64
}

// now is the time of the read caches.
func (g *generations) now() time.Time {
	if f := g.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// advance marks the tables in set as written.
func (g *generations) advance(set table) {
	for i := range g.gen {
		if set&(1<<i) != 0 {
			g.gen[i].Add(1)
		}
	}
}

// of is a number that changes whenever a table of set is written.
func (g *generations) of(set table) uint64 {
	var sum uint64
	for i := range g.gen {
		if set&(1<<i) != 0 {
			sum += g.gen[i].Load()
		}
	}
	return sum
}

// writtenTables is the set of watched tables a statement may write: none
// for a SELECT, otherwise every watched table it names, and
// tableAccountRows with accounts unless it is a counterWrite.
func writtenTables(query string) table {
	if isSelect(query) {
		return 0
	}
	set := namedTables(query)
	// An INSERT, UPDATE or DELETE writes its target alone (the home feed's
	// fan-out reads accounts and follows on every post); any other
	// statement that names a table may write it.
	target, known := writeTarget(query)
	if set&tableAccounts != 0 && !counterWrite(query) && (!known || strings.EqualFold(target, "accounts")) {
		set |= tableAccountRows
	}
	// Follows are the first to be told apart so: only the count of follow
	// requests watches them, and a deleted account's requests go by
	// cascade with a write of tableAccountRows, which it watches too.
	if known && !strings.EqualFold(target, "follows") {
		set &^= tableFollows
	}
	return set
}

// writeTarget is the table an INSERT INTO, UPDATE or DELETE FROM writes;
// false for any other statement (a WITH may write several).
func writeTarget(query string) (string, bool) {
	q := strings.TrimLeft(query, " \n\t\r")
	var rest string
	switch {
	case len(q) > 12 && strings.EqualFold(q[:12], "INSERT INTO "):
		rest = q[12:]
	case len(q) > 7 && strings.EqualFold(q[:7], "UPDATE "):
		rest = q[7:]
	case len(q) > 12 && strings.EqualFold(q[:12], "DELETE FROM "):
		rest = q[12:]
	default:
		return "", false
	}
	rest = strings.TrimLeft(rest, " \n\t\r")
	if strings.HasPrefix(rest, `"`) {
		k := strings.IndexByte(rest[1:], '"')
		if k < 0 {
			return "", false
		}
		return rest[1 : k+1], true
	}
	end := 0
	for end < len(rest) && isWordByte(rest[end]) {
		end++
	}
	if end == 0 || end < len(rest) && rest[end] == '.' {
		return "", false // schema-qualified: not one of ours as written
	}
	return rest[:end], true
}

// counterWords are the only words an UPDATE of accounts' counters names
// (statusCounters, flushCounters: "UPDATE "accounts" SET statuses_count =
// MAX(statuses_count + 1, 0), last_status_at = '…' WHERE (id = 7)").
var counterWords = map[string]bool{
	"update": true, "accounts": true, "set": true, "where": true, "id": true, "max": true, "greatest": true,
	"statuses_count": true, "followers_count": true, "following_count": true, "last_status_at": true,
}

// counterWrite reports whether query is an UPDATE that sets no column of
// accounts but their counters: every federated post makes one, and the
// caches that show no counters need not hear of it. Any other word, even
// one that would be harmless, makes it an ordinary write (a re-read, never
// a stale row).
func counterWrite(query string) bool {
	q := strings.TrimLeft(query, " \n\t\r")
	if len(q) < 7 || !strings.EqualFold(q[:7], "UPDATE ") {
		return false
	}
	return sqlWords(q, func(w string) bool {
		return (w[0] >= '0' && w[0] <= '9') || counterWords[strings.ToLower(w)]
	})
}

// namedTables is the set of watched tables query names.
func namedTables(query string) table {
	var set table
	whole := sqlWords(query, func(w string) bool {
		if len(w) >= 5 && len(w) <= 13 { // the lengths of the watched names
			set |= watched[strings.ToLower(w)]
		}
		return true
	})
	if !whole {
		return allTables
	}
	return set
}

// sqlWords calls word with each word and double-quoted identifier of query
// outside its string literals, and with ";" for each statement separator,
// until word returns false. It reports whether it read the whole query: not
// when word stopped it, nor when a literal or identifier is left open.
func sqlWords(query string, word func(w string) bool) bool {
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'':
			end, _, closed := scanString(query, i)
			if !closed {
				return false
			}
			i = end
		case c == '"' || isWordByte(c):
			start, end := i, i
			if c == '"' {
				start = i + 1
				k := strings.IndexByte(query[start:], '"')
				if k < 0 {
					return false
				}
				end, i = start+k, start+k+1
			} else {
				for end < len(query) && isWordByte(query[end]) {
					end++
				}
				i = end
			}
			if start < end && !word(query[start:end]) {
				return false
			}
		case c == ';':
			if !word(";") {
				return false
			}
			i++
		default:
			i++
		}
	}
	return true
}

// notifySQL is the statement that tells the other processes of set.
func notifySQL(channel string, set table) string {
	return "SELECT pg_notify('" + channel + "', '" + strconv.FormatUint(uint64(set), 10) + "')"
}

// wrote records that this connection ran a statement writing set: at once
// when not in a transaction, at commit otherwise; and on PostgreSQL sends
// the NOTIFY: in a transaction, once just before the commit
// (cachingTx.Commit), which delivers it with the commit in one round trip
// for all the tables the transaction wrote.
func (c *cachingConn) wrote(ctx context.Context, set table) {
	if set == 0 {
		return
	}
	if set&tableAccountRows != 0 && ctx.Value(remoteAccountWritesKey{}) == nil {
		set |= tableLocalAccountRows
	}
	if c.inTx && c.cache.postgres {
		c.pending |= set
		return
	}
	if ch := c.cache.gens.channel.Load(); ch != nil && set&^c.notified != 0 {
		if e, ok := c.Conn.(driver.ExecerContext); ok {
			if _, err := e.ExecContext(ctx, notifySQL(*ch, set), nil); err == nil && c.inTx {
				c.notified |= set
			}
		}
	}
	if !c.cache.postgres {
		c.countWrite(ctx, set) // in the transaction, if there is one
	}
	if c.inTx {
		c.pending |= set
		return
	}
	c.cache.gens.advance(set)
	c.cache.gens.epochs.bump()
}

// ended is called when the connection's transaction ends.
func (c *cachingConn) ended(committed bool) {
	if committed {
		c.cache.gens.advance(c.pending)
		if c.pending != 0 {
			// After the commit and the own generations: a process that
			// sees the counter move reads the counts this committed (on
			// SQLite every pending table was counted; a savepoint rolled
			// back clears counted, not what was counted before it).
			c.cache.gens.epochs.bump()
		}
	}
	c.inTx, c.pending, c.notified, c.counted = false, 0, 0, 0
}

// listenForInvalidations advances the generations other processes (and
// this one) announce on the schema's channel (PostgreSQL).
func (d *DB) listenForInvalidations(ctx context.Context) error {
	channel, err := d.BusChannel(ctx, "cache")
	if err != nil {
		return err
	}
	payloads, stop, err := d.Listen(context.WithoutCancel(ctx), channel)
	if err != nil {
		return err
	}
	d.gens.channel.Store(&channel)
	d.stopListening = stop
	go func() {
		for p := range payloads {
			set, err := strconv.ParseUint(p, 10, 32)
			if err != nil {
				set = uint64(allTables)
			}
			d.gens.advance(table(set))
			if set == 0 {
				d.gens.markers.Add(1)
			}
		}
	}()
	return nil
}
