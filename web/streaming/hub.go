// Package streaming is Mastodon's streaming API: WebSocket (multiplexed)
// and server-sent events below /api/v1/streaming, fed by a hub that hears
// the engine's committed changes (activitypub.Events). With PostgreSQL the
// hub's bus crosses processes through LISTEN/NOTIFY, so a client of one
// node sees what is posted through another. Events carry ids only; each
// node loads, decides its audience with one query per event (the REST
// timelines' rules, evaluated for every connected candidate at once),
// renders the status once and personalizes it per viewer.
package streaming

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// HubOptions tune a Hub; zero values take the defaults.
type HubOptions struct {
	DB     *db.DB
	Logger *slog.Logger
	// Buffer is how many frames a connection may have queued; a client
	// that falls that far behind is disconnected (default 256).
	Buffer int
	// Heartbeat is the idle interval of WebSocket pings and SSE ":thump"
	// comments (default 30s).
	Heartbeat time.Duration
	// WriteTimeout bounds each write to a client (default 10s).
	WriteTimeout time.Duration
	// Workers decide and render events in parallel (default 4); events
	// about one status (or one account) stay in order.
	Workers int
	// TokenCheck is how often the tokens of open connections are checked
	// again (default 15s): a connection whose token was revoked or expired,
	// or whose user may no longer sign in, ends. TokensRevoked checks at
	// once; this catches revocations it is not told about (another
	// process's admin command, a brand member's removal, a refresh).
	TokenCheck time.Duration
}

// Hub receives the engine's events, carries them to every node and fans
// them out to the node's streaming connections. It implements
// activitypub.Events; install it with Engine.SetEvents and start Run.
type Hub struct {
	o    HubOptions
	db   *db.DB
	log  *slog.Logger
	node string // tells this process's notifications apart from others'

	presentMu sync.RWMutex
	present   *entity.Presenter // renders entities; set by New (handlers)

	shards  []chan busEvent
	publish chan string
	conns   atomic.Int64
	recheck chan struct{} // asks the token checker to run now

	mu        sync.RWMutex
	byConn    map[*conn]struct{}
	byAccount map[int64]map[*conn]struct{}
	closed    bool

	filterMu sync.Mutex
	filters  map[int64]*filterEntry

	ready     chan struct{} // closed once events from other nodes can arrive
	readyOnce sync.Once
}

var _ activitypub.Events = (*Hub)(nil)

// NewHub builds a hub. It does nothing until Run.
func NewHub(o HubOptions) *Hub {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.TokenCheck <= 0 {
		o.TokenCheck = 15 * time.Second
	}
	var b [8]byte
	rand.Read(b[:])
	h := &Hub{o: o, db: o.DB, log: o.Logger, node: hex.EncodeToString(b[:]), publish: make(chan string, 4096), recheck: make(chan struct{}, 1),
		byConn: map[*conn]struct{}{}, byAccount: map[int64]map[*conn]struct{}{}, filters: map[int64]*filterEntry{}, ready: make(chan struct{})}
	for range o.Workers {
		h.shards = append(h.shards, make(chan busEvent, 1024))
	}
	return h
}

// setPresenter gives the hub the presenter the REST API renders with.
func (h *Hub) setPresenter(p *entity.Presenter) {
	h.presentMu.Lock()
	h.present = p
	h.presentMu.Unlock()
}

func (h *Hub) presenter() *entity.Presenter {
	h.presentMu.RLock()
	defer h.presentMu.RUnlock()
	return h.present
}

// Event kinds on the bus.
const (
	kindCreate     = "create"
	kindUpdate     = "update"
	kindDelete     = "delete"
	kindNotify     = "notification"
	kindFilters    = "filters"
	kindDisconnect = "disconnect"
	kindTokens     = "tokens"
)

// busEvent is what crosses processes: ids and the few facts a delete
// needs (its status is gone by then), never rendered JSON.
type busEvent struct {
	Node       string  `json:"n"`
	Kind       string  `json:"k"`
	StatusID   int64   `json:"s,omitempty"`
	AccountID  int64   `json:"a,omitempty"` // author; recipient of a notification; owner of filters
	NotifyID   int64   `json:"x,omitempty"`
	Visibility int     `json:"v,omitempty"`
	Reblog     bool    `json:"r,omitempty"`
	Local      bool    `json:"l,omitempty"`
	Media      bool    `json:"m,omitempty"`
	Mentions   []int64 `json:"mt,omitempty"`
	Known      bool    `json:"mk,omitempty"` // Mentions is the status's full audience

	done chan struct{} // closed once dispatched (tests' barriers); never sent
}

// shardKey keeps the events of one author (a status's create, edits and
// delete among them), or of one recipient, in order.
func (e busEvent) shardKey() int64 { return e.AccountID }

// StatusCreated is an activitypub.Events hook: a status or boost was stored.
func (h *Hub) StatusCreated(s *db.Status) {
	h.accept(busEvent{Kind: kindCreate, StatusID: s.ID, AccountID: s.AccountID})
}

// StatusUpdated is an activitypub.Events hook: a status was edited.
func (h *Hub) StatusUpdated(s *db.Status) {
	h.accept(busEvent{Kind: kindUpdate, StatusID: s.ID, AccountID: s.AccountID})
}

// StatusDeleted is an activitypub.Events hook: a status or boost is gone.
// When the engine filled s.MentionedAccountIDs, a private or direct status's
// delete goes to its audience only; otherwise to every timeline subscriber
// (an unknown id in a delete is harmless, as on Mastodon).
func (h *Hub) StatusDeleted(s *db.Status) {
	h.accept(busEvent{Kind: kindDelete, StatusID: s.ID, AccountID: s.AccountID, Visibility: int(s.Visibility),
		Reblog: s.ReblogOfID != nil, Local: s.Local, Media: s.HasMedia,
		Mentions: s.MentionedAccountIDs, Known: s.MentionedAccountIDs != nil})
}

// Notified is an activitypub.Events hook: a local account got a notification.
func (h *Hub) Notified(n *db.Notification) {
	h.accept(busEvent{Kind: kindNotify, NotifyID: n.ID, AccountID: n.AccountID})
}

// FiltersChanged tells an account's connections (on every node) that its
// filters changed: they get filters_changed and are filtered afresh. The
// filters API calls it after every change.
func (h *Hub) FiltersChanged(accountID int64) {
	h.accept(busEvent{Kind: kindFilters, AccountID: accountID})
}

// Disconnect closes an account's streaming connections on every node (its
// token was revoked, it was suspended …); clients reconnect if they may.
func (h *Hub) Disconnect(accountID int64) {
	h.accept(busEvent{Kind: kindDisconnect, AccountID: accountID})
}

// TokensRevoked ends, at once, this node's connections whose token is no
// longer good (revoked, expired, its user disabled or suspended), and asks
// the other nodes to check theirs. Call it after revoking tokens (the
// OAuth revocation endpoint does), as Mastodon closes the streams of a
// revoked token; the periodic check (TokenCheck) catches the rest.
func (h *Hub) TokensRevoked() {
	if h.db.SharedBus() {
		b, _ := json.Marshal(busEvent{Node: h.node, Kind: kindTokens})
		select {
		case h.publish <- string(b):
		default:
			h.log.Warn("streaming: bus queue full, event not sent to other nodes", "kind", kindTokens)
		}
	}
	if h.conns.Load() == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.checkTokens(ctx)
}

// recheckSoon asks the token checker to run now (without waiting for it).
func (h *Hub) recheckSoon() {
	select {
	case h.recheck <- struct{}{}:
	default:
	}
}

// tokenLoop checks the open connections' tokens every TokenCheck, and when
// asked to, until ctx ends.
func (h *Hub) tokenLoop(ctx context.Context) {
	tick := time.NewTicker(h.o.TokenCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-h.recheck:
		}
		if h.conns.Load() > 0 {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			h.checkTokens(cctx)
			cancel()
		}
	}
}

// checkTokens ends the connections whose token is no longer good. When the
// database cannot tell, every connection stays (it is asked again later).
func (h *Hub) checkTokens(ctx context.Context) {
	h.mu.RLock()
	conns := make([]*conn, 0, len(h.byConn))
	ids := make([]int64, 0, len(h.byConn))
	seen := make(map[int64]bool, len(h.byConn))
	for c := range h.byConn {
		conns = append(conns, c)
		if !seen[c.tokenID] {
			seen[c.tokenID] = true
			ids = append(ids, c.tokenID)
		}
	}
	h.mu.RUnlock()
	if len(ids) == 0 {
		return
	}
	live, err := h.db.LiveTokenIDs(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("streaming: check tokens", "connections", len(conns), "err", err)
		}
		return
	}
	for _, c := range conns {
		if !live[c.tokenID] {
			h.log.Info("streaming: token no longer valid, closing", "account_id", c.account.ID)
			c.close(errKicked)
		}
	}
}

// accept takes an event from this process: it goes to the other nodes and
// to this node's connections. It never blocks (the engine calls it on the
// request path); when the queues are full the event is dropped.
func (h *Hub) accept(e busEvent) {
	e.Node = h.node
	if h.db.SharedBus() {
		b, _ := json.Marshal(e)
		select {
		case h.publish <- string(b):
		default:
			h.log.Warn("streaming: bus queue full, event not sent to other nodes", "kind", e.Kind)
		}
	}
	h.enqueue(e)
}

// enqueue hands an event to its worker, unless no client is connected here.
func (h *Hub) enqueue(e busEvent) {
	if h.conns.Load() == 0 {
		return
	}
	select {
	case h.shards[uint64(e.shardKey())%uint64(len(h.shards))] <- e:
	default:
		h.log.Warn("streaming: event queue full, event dropped", "kind", e.Kind)
	}
}

// Run works until ctx ends: the workers that dispatch events, the token
// checker, and with PostgreSQL the bus to and from the other nodes.
func (h *Hub) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { h.tokenLoop(ctx) })
	for _, ch := range h.shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case e := <-ch:
					h.dispatch(ctx, e)
					if e.done != nil {
						close(e.done)
					}
				}
			}
		}()
	}
	if !h.db.SharedBus() {
		h.markReady()
	} else {
		channel, err := h.busChannel(ctx)
		if err == nil {
			wg.Add(2)
			go func() { defer wg.Done(); h.publishLoop(ctx, channel) }()
			go func() { defer wg.Done(); h.listenLoop(ctx, channel) }()
		}
	}
	wg.Wait()
}

// Ready is closed once the hub hears the other nodes' events (at once
// without a shared bus): a node that serves before it listens would miss
// what another node does meanwhile, so the server waits for it.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

func (h *Hub) markReady() { h.readyOnce.Do(func() { close(h.ready) }) }

// busChannel names the NOTIFY channel, retrying while the database is down.
func (h *Hub) busChannel(ctx context.Context) (string, error) {
	for {
		channel, err := h.db.BusChannel(ctx, "streaming")
		if err == nil {
			return channel, nil
		}
		h.log.Warn("streaming: bus unavailable", "err", err)
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// publishLoop sends this node's events to the others.
func (h *Hub) publishLoop(ctx context.Context, channel string) {
	batch := make([]string, 0, maxPublishBatch)
	var carry string // a repeat of the batch's, sent with the next one
	for {
		batch = batch[:0]
		if carry != "" {
			batch, carry = append(batch, carry), ""
		} else {
			select {
			case <-ctx.Done():
				return
			case payload := <-h.publish:
				batch = append(batch, payload)
			}
		}
		// What waits meanwhile goes in the same NOTIFY transaction: one
		// round trip and one commit for many events under load.
	drain:
		for len(batch) < maxPublishBatch {
			select {
			case payload := <-h.publish:
				if slices.Contains(batch, payload) {
					carry = payload // PostgreSQL would drop it
					break drain
				}
				batch = append(batch, payload)
			default:
				break drain
			}
		}
		nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := h.db.Notify(nctx, channel, batch...); err != nil && ctx.Err() == nil {
			h.log.Warn("streaming: notify other nodes", "err", err, "events", len(batch))
		}
		cancel()
	}
}

// maxPublishBatch bounds the events of one NOTIFY transaction.
const maxPublishBatch = 64

// listenLoop receives the other nodes' events (its own are already
// dispatched: they are skipped), listening again after failures.
func (h *Hub) listenLoop(ctx context.Context, channel string) {
	for ctx.Err() == nil {
		payloads, stop, err := h.db.Listen(ctx, channel)
		if err != nil {
			h.log.Warn("streaming: listen for other nodes", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		h.markReady()
		func() {
			defer stop()
			for {
				select {
				case <-ctx.Done():
					return
				case p, ok := <-payloads:
					if !ok {
						return
					}
					var e busEvent
					if err := json.Unmarshal([]byte(p), &e); err != nil || e.Node == h.node {
						continue
					}
					h.enqueue(e)
				}
			}
		}()
	}
}

// register adds a connection of an account.
func (h *Hub) register(parent context.Context, account *db.Account, tokenID int64, scopes []string, sse bool) (*conn, error) {
	ctx, cancel := context.WithCancelCause(parent)
	c := &conn{hub: h, account: account, tokenID: tokenID, scopes: scopes, sse: sse, out: make(chan *frame, h.o.Buffer), ctx: ctx, cancel: cancel}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		cancel(errShutdown)
		return nil, errShutdown
	}
	h.byConn[c] = struct{}{}
	if h.byAccount[account.ID] == nil {
		h.byAccount[account.ID] = map[*conn]struct{}{}
	}
	h.byAccount[account.ID][c] = struct{}{}
	h.conns.Add(1)
	return c, nil
}

// unregister forgets a connection (idempotent).
func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	_, ok := h.byConn[c]
	delete(h.byConn, c)
	last := false
	if ok {
		h.conns.Add(-1)
		delete(h.byAccount[c.account.ID], c)
		if last = len(h.byAccount[c.account.ID]) == 0; last {
			delete(h.byAccount, c.account.ID)
		}
	}
	h.mu.Unlock()
	if ok && last {
		h.filterMu.Lock()
		delete(h.filters, c.account.ID)
		h.filterMu.Unlock()
	}
}

// Connections is the number of streaming clients connected to this node.
func (h *Hub) Connections() int { return int(h.conns.Load()) }

// snapshot lists the connections with their subscriptions.
type subscriber struct {
	c       *conn
	streams []stream
}

func (h *Hub) snapshot() []subscriber {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]subscriber, 0, len(h.byConn))
	for c := range h.byConn {
		if c.ctx.Err() == nil {
			out = append(out, subscriber{c, c.subscriptions()})
		}
	}
	return out
}

// connsOf lists an account's connections.
func (h *Hub) connsOf(accountID int64) []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*conn, 0, len(h.byAccount[accountID]))
	for c := range h.byAccount[accountID] {
		out = append(out, c)
	}
	return out
}

// connected reports whether an account has connections here.
func (h *Hub) connected(accountID int64) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byAccount[accountID]) > 0
}

// Shutdown closes every connection and refuses new ones (the HTTP server
// calls it when it shuts down, so streams do not hold it up).
func (h *Hub) Shutdown() {
	h.mu.Lock()
	h.closed = true
	list := make([]*conn, 0, len(h.byConn))
	for c := range h.byConn {
		list = append(list, c)
	}
	h.mu.Unlock()
	for _, c := range list {
		c.close(errShutdown)
	}
}

// filterEntry is an account's compiled filters, cached on this node while
// it has connections.
type filterEntry struct {
	set    *entity.FilterSet
	loaded time.Time
}

// filterReload bounds how long cached filters are trusted without a
// filters_changed (a change made by a process that cannot tell us).
const filterReload = 5 * time.Minute

// filtersFor returns the filters of viewers: cached ones while fresh (no
// filters_changed, none expired since, younger than filterReload), the
// others loaded in one batch. A viewer whose filters cannot be loaded is
// absent (it must not get unfiltered statuses).
func (h *Hub) filtersFor(ctx context.Context, p *entity.Presenter, viewers []int64) map[int64]*entity.FilterSet {
	out := make(map[int64]*entity.FilterSet, len(viewers))
	var missing []int64
	now := time.Now()
	h.filterMu.Lock()
	for _, v := range viewers {
		e := h.filters[v]
		if e != nil && now.Sub(e.loaded) < filterReload && (e.set.Expires().IsZero() || now.Before(e.set.Expires())) {
			out[v] = e.set
		} else {
			missing = append(missing, v)
		}
	}
	h.filterMu.Unlock()
	if len(missing) == 0 {
		return out
	}
	sets, err := p.LoadFilterSets(ctx, missing)
	if err != nil {
		h.log.Warn("streaming: load filters", "accounts", len(missing), "err", err)
		return out
	}
	for _, v := range missing {
		out[v] = sets[v]
		if h.connected(v) {
			h.filterMu.Lock()
			h.filters[v] = &filterEntry{set: sets[v], loaded: now}
			h.filterMu.Unlock()
		}
	}
	return out
}

// forgetFilters drops an account's cached filters.
func (h *Hub) forgetFilters(accountID int64) {
	h.filterMu.Lock()
	delete(h.filters, accountID)
	h.filterMu.Unlock()
}

var errNoPresenter = errors.New("streaming: hub has no presenter (streaming handlers not mounted)")
