package db

import (
	"sync"
	"time"
)

// Rows every API request reads (its token, its user, accounts) are kept in
// memory between requests. An entry is good while no write has touched the
// tables it came from (invalidation.go) and for at most readCacheTTL, a
// bound for the case where a PostgreSQL notification from another process
// is lost (the listener reconnecting). Visibility is never decided from a
// cache: these are rows looked up by key, and the callers apply the rules.

const (
	readCacheTTL = 5 * time.Second
	// readCacheEntries bounds each cache; a full cache starts over.
	readCacheEntries = 10_000
)

type readEntry[V any] struct {
	value V
	gen   uint64
	at    time.Time
	seq   uint64 // which read this is (readCache.version)
}

// readCache maps keys to rows read from the tables deps.
type readCache[K comparable, V any] struct {
	gens    *generations
	deps    table
	mu      sync.RWMutex
	entries map[K]readEntry[V]
}

func newReadCache[K comparable, V any](gens *generations, deps table) *readCache[K, V] {
	return &readCache[K, V]{gens: gens, deps: deps, entries: map[K]readEntry[V]{}}
}

// get returns the row of k if it is still good. The caller has brought the
// generations up to date for its request first (DB.freshen).
func (c *readCache[K, V]) get(k K) (V, bool) {
	v, _, ok := c.version(k)
	return v, ok
}

// version is get with the number of the read the row came from: it
// changes whenever the row is read anew.
func (c *readCache[K, V]) version(k K) (V, uint64, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || e.gen != c.gens.of(c.deps) || c.gens.now().Sub(e.at) > readCacheTTL {
		var zero V
		return zero, 0, false
	}
	return e.value, e.seq, true
}

// generation is to be taken before reading a row and passed to put: a
// write that lands while the row is read makes put keep nothing.
func (c *readCache[K, V]) generation() uint64 { return c.gens.of(c.deps) }

func (c *readCache[K, V]) put(k K, v V, gen uint64) uint64 {
	seq := c.gens.reads.Add(1)
	if gen != c.gens.of(c.deps) {
		return seq
	}
	c.mu.Lock()
	if len(c.entries) >= readCacheEntries {
		clear(c.entries)
	}
	c.entries[k] = readEntry[V]{value: v, gen: gen, at: c.gens.now(), seq: seq}
	c.mu.Unlock()
	return seq
}

// through returns k's row from memory, or reads it with load and keeps it;
// an error (ErrNotFound too) is returned and nothing kept. The caller has
// brought the generations up to date for its request first (DB.freshen).
func (c *readCache[K, V]) through(k K, load func() (*V, error)) (*V, error) {
	if v, ok := c.get(k); ok {
		return &v, nil
	}
	gen := c.generation()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.put(k, *v, gen)
	return v, nil
}

// readCaches are a store's caches of rows.
type readCaches struct {
	tokens   *readCache[string, Token] // by token hash
	users    *readCache[int64, User]   // by id, without the account
	accounts *readCache[int64, Account]
	// the instance's figures and its contact (GET /api/v1/instance)
	usage   *readCache[struct{}, Usage]
	contact *readCache[struct{}, instanceContact]
	apps    *readCache[int64, App]
	// statuses' hashtags and mentions, checked against their updated_at
	parts *readCache[int64, statusParts]
	site  *readCache[struct{}, *InstanceTexts] // shared, never changed
	// pending follow requests by the account asked
	followRequests *readCache[int64, int64]
	// stored public keys by key id (remote_accounts.go's KeyByID)
	keys *readCache[string, AccountKey]
	// local accounts by username as asked (accounts.go's LocalActor)
	localActors *readCache[string, Account]
	// accounts by actor URI (accounts.go's ActorByURI)
	actors *readCache[string, Account]
	// the blocked domains (all severities) deliveries are checked against
	domainBlocks *readCache[struct{}, []string]
	// hashtags' ids by name: a tag row is never deleted nor renamed, so
	// only the names found are kept (a tag created later is read then)
	tagIDs *readCache[string, int64]
}

func newReadCaches(gens *generations) *readCaches {
	return &readCaches{
		// A token row changes only with oauth_tokens; it goes with its app
		// or its user (ON DELETE CASCADE, begun by a write of those). When
		// its account goes, the token may stay cached a while, but every
		// resolution looks the account up (UserByID, or the brand's
		// AccountByID) and finds none. Not accounts: every federated post
		// writes one.
		tokens: newReadCache[string, Token](gens, tableTokens|tableApps|tableUsers),
		// The user row alone: UserByID takes the account from accounts.
		users:    newReadCache[int64, User](gens, tableUsers),
		accounts: newReadCache[int64, Account](gens, tableAccounts),
		// Sign-ups and approvals are counted at once; posts, new domains
		// and suspensions (accounts) within readCacheTTL: every federated
		// write touches accounts, and the counts scan them.
		usage: newReadCache[struct{}, Usage](gens, tableUsers),
		// Which account is the contact: the setting (site), the users'
		// roles and states, the accounts' suspensions and deletions, not
		// their counters. Its row comes from accounts.
		contact: newReadCache[struct{}, instanceContact](gens, tableAccountRows|tableUsers|tableSite),
		apps:    newReadCache[int64, App](gens, tableApps),
		parts:   newReadCache[int64, statusParts](gens, 0),
		site:    newReadCache[struct{}, *InstanceTexts](gens, tableSite),
		// The requests, and the requesters' suspensions and deletions (a
		// deleted account's requests go with it, by cascade).
		followRequests: newReadCache[int64, int64](gens, tableFollows|tableAccountRows),
		tagIDs:         newReadCache[string, int64](gens, 0),
		// A key changes, moves or goes only with its account's row (a
		// profile stored anew, a deletion): not with the counters every
		// federated post writes.
		keys: newReadCache[string, AccountKey](gens, tableAccountRows),
		// A local account's row changes with a write that may touch one
		// (a profile, a suspension, a deletion): not with the counters,
		// nor with the remote actors stored as new senders come in.
		localActors: newReadCache[string, Account](gens, tableLocalAccountRows),
		// Any account's row, not its counters: a remote actor's profile
		// fetched anew, a suspension, a deletion, a new actor.
		actors: newReadCache[string, Account](gens, tableAccountRows),
		// The list changes only with a write of domain_blocks.
		domainBlocks: newReadCache[struct{}, []string](gens, tableDomainBlocks),
	}
}
