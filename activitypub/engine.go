package activitypub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontor-social/kontor/metrics"

	"github.com/kontor-social/kontor/activitypub/cards"
	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/delivery"
	"github.com/kontor-social/kontor/activitypub/resolve"
	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// Engine is the protocol engine of one instance: the Outbox (local actions
// become activities), the Inbox (remote activities are verified and
// applied), delivery and the resolver of remote actors and objects.
type Engine struct {
	db        *db.DB
	urls      *URLs
	log       *slog.Logger
	opts      Options
	client    *transport.Client
	resolver  *resolve.Resolver
	queue     *delivery.Queue
	events    Events
	formatter *content.Formatter

	signers sync.Map // account ID → transport.Signer (parsed once)
	inbox   chan int64
	backlog chan struct{} // due items wait in inbox_items (the in-memory queue overflowed)
	pending sync.Map      // inbox item ID → *queuedItem, handed from Receive to a worker
	// steps carry the inbox workers' write steps to the committers
	// (inbox_commit.go), which run while committing is set.
	steps      chan *writeStep
	committing atomic.Bool
	applied    chan []int64 // inbox rows of committed steps, for inboxDeleter

	linkJobs chan struct{} // slots of background rel="me" checks (4 at once)
	cardWake chan struct{} // a card fetch was queued (cards.go)
	pushWake chan struct{} // a notification was stored: pushes may be queued (push.go)

	blocksMu     sync.Mutex
	blocks       []string
	rejectMedia  []string // domains blocked with reject_media
	allows       []string // the allowed domains, in allowlist mode
	blocksLoaded time.Time
}

// Options are the settings of an Engine.
type Options struct {
	DB     *db.DB
	URLs   *URLs
	Logger *slog.Logger
	Events Events

	Protocol        string
	AllowedNetworks []*net.IPNet
	AuthorizedFetch bool
	// AllowlistMode: only domains in domain_allows federate.
	AllowlistMode       bool
	DeliveryConcurrency int
	InboxWorkers        int
	MaxStatusCharacters int
	UserAgent           string
	// FetchTimeout bounds each outgoing request (default 10s).
	FetchTimeout time.Duration
	// KeyRefreshInterval is the least time between two refetches of one
	// key (a failed signature asks for a refetch; default 1 minute).
	KeyRefreshInterval time.Duration
	// TuneDelivery adjusts the delivery queue's settings (tests shorten
	// backoffs with it).
	TuneDelivery func(*delivery.Options)
	// MediaURL is the public URL of a stored file (the media store's URL:
	// a local /media/ path or the S3 public URL). Default: URLs.Media.
	MediaURL func(key string) string
	// Metrics records deliveries and inbox activities (nil: none).
	Metrics *metrics.Set
	// Mailer sends notice emails (brand drafts, reports, sign-ups); nil
	// without SMTP. InstanceTitle names the server in them.
	Mailer        Mailer
	InstanceTitle string
	// Media is the media store: link preview images are copied into it,
	// files of removed accounts deleted from it (nil: cards have no image,
	// removed accounts' files are left for the operator). CardTimeout and CardMaxBytes bound the fetch of a
	// linked page (default 10s, 1 MiB); CardProviders are the oEmbed
	// providers whose players are embedded (default cards.DefaultProviders).
	Media         media.Store
	CardTimeout   time.Duration
	CardMaxBytes  int64
	CardProviders cards.Providers
	// DialHosts is transport.Options.DialHosts (tests).
	DialHosts map[string]string
	// Push tunes the Web Push queue (push.go).
	Push PushOptions
}

// New builds an Engine. Workers start with Run.
func New(o Options) *Engine {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Events == nil {
		o.Events = NopEvents{}
	}
	if o.Protocol == "" {
		o.Protocol = "https"
	}
	if o.MaxStatusCharacters == 0 {
		o.MaxStatusCharacters = 500
	}
	if o.InboxWorkers == 0 {
		// Each waits for its activity's group commit (inbox_commit.go):
		// 16 let a batch fill to maxCommitBatch, whose commit is shared.
		o.InboxWorkers = 16
	}
	if o.FetchTimeout == 0 {
		o.FetchTimeout = 10 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "Kontor (+" + o.URLs.Base() + "/)"
	}
	if o.MediaURL == nil {
		o.MediaURL = o.URLs.Media
	}
	if o.CardTimeout <= 0 {
		o.CardTimeout = defaultCardTimeout
	}
	if o.CardMaxBytes <= 0 {
		o.CardMaxBytes = defaultCardMaxBytes
	}
	if o.CardProviders == nil {
		o.CardProviders = cards.DefaultProviders
	}
	e := &Engine{db: o.DB, urls: o.URLs, log: o.Logger, opts: o, events: o.Events, inbox: make(chan int64, 4096), backlog: make(chan struct{}, 1),
		steps: make(chan *writeStep, maxCommitBatch), applied: make(chan []int64, 256),
		linkJobs: make(chan struct{}, 4), cardWake: make(chan struct{}, 1), pushWake: make(chan struct{}, 1)}
	e.formatter = &content.Formatter{TagURL: e.urls.Tag, LocalDomain: e.urls.AccountDomain()}
	e.client = transport.New(transport.Options{
		Protocol: o.Protocol, AllowedNetworks: o.AllowedNetworks, UserAgent: o.UserAgent, Timeout: o.FetchTimeout,
		DialHosts: o.DialHosts,
	})
	e.resolver = resolve.New(resolve.Options{
		DB: o.DB, Client: e.client, LocalBase: e.urls.Base(),
		LocalDomains:   []string{e.urls.Host(), e.urls.AccountDomain()},
		InstanceSigner: e.instanceSigner, Logger: o.Logger, KeyRefreshInterval: o.KeyRefreshInterval,
	})
	do := delivery.Options{DB: o.DB, Poster: e.client, Signer: e.signerFor, Concurrency: o.DeliveryConcurrency, Logger: o.Logger, Metrics: o.Metrics}
	if o.TuneDelivery != nil {
		o.TuneDelivery(&do)
	}
	e.queue = delivery.New(do)
	return e
}

// URLs is the URL builder of the instance.
func (e *Engine) URLs() *URLs { return e.urls }

// DB is the store.
func (e *Engine) DB() *db.DB { return e.db }

// Resolver fetches remote actors and objects.
func (e *Engine) Resolver() *resolve.Resolver { return e.resolver }

// Delivery is the outgoing queue.
func (e *Engine) Delivery() *delivery.Queue { return e.queue }

// SetEvents installs the listener of committed changes (streaming).
func (e *Engine) SetEvents(ev Events) { e.events = ev }

// Run starts the delivery queue, the inbox workers and the timed jobs
// (poll results and endings, scheduled statuses, Web Push) and blocks until ctx is
// done and they have stopped.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := e.queue.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			e.log.Error("delivery queue stopped", "err", err)
		}
	}()
	for range e.committers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.inboxCommitter(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.inboxDeleter(ctx)
	}()
	e.committing.Store(true)
	for range e.opts.InboxWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.inboxWorker(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.housekeeping(ctx)
	}()
	for _, job := range []func(context.Context){e.pollJobs, e.scheduledJobs, e.cardJobs, e.pushJobs} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job(ctx)
		}()
	}
	wg.Wait()
}

// housekeeping retries inbox items whose apply failed or whose process died,
// and hourly forgets old activity ids and trims the home feeds.
func (e *Engine) housekeeping(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		items, err := e.db.ClaimInboxItems(ctx, 100, 2*time.Minute)
		if err != nil && ctx.Err() == nil {
			e.log.Warn("claim inbox items", "err", err)
		}
		for _, it := range items {
			e.applyItem(ctx, it)
		}
		if time.Since(lastPrune) > time.Hour {
			lastPrune = time.Now()
			if err := e.db.PruneSeen(ctx, time.Now().Add(-14*24*time.Hour)); err != nil && ctx.Err() == nil {
				e.log.Warn("prune seen activities", "err", err)
			}
			if _, err := e.db.TrimHomeFeeds(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("trim home feeds", "err", err)
			}
		}
	}
}

// signerFor returns the signing key of a local account, parsed once.
func (e *Engine) signerFor(ctx context.Context, accountID int64) (transport.Signer, error) {
	if s, ok := e.signers.Load(accountID); ok {
		return s.(transport.Signer), nil
	}
	a, err := e.db.AccountByID(ctx, accountID)
	if err != nil {
		return transport.Signer{}, fmt.Errorf("activitypub: signer %d: %w", accountID, err)
	}
	if a.PrivateKeyPEM == "" {
		return transport.Signer{}, fmt.Errorf("activitypub: account %d has no private key", accountID)
	}
	key, err := ParsePrivateKey(a.PrivateKeyPEM)
	if err != nil {
		return transport.Signer{}, err
	}
	s := transport.Signer{KeyID: a.PublicKeyID, Key: key}
	e.signers.Store(accountID, s)
	return s, nil
}

// instanceSigner signs fetches that no user causes.
func (e *Engine) instanceSigner(ctx context.Context) (transport.Signer, error) {
	a, err := e.db.LocalActor(ctx, InstanceActorUsername)
	if err != nil {
		return transport.Signer{}, fmt.Errorf("activitypub: instance actor: %w", err)
	}
	return e.signerFor(ctx, a.ID)
}

// SyncDomainBlocks makes the configured domain blocks effective.
func (e *Engine) SyncDomainBlocks(ctx context.Context, domains []string) error {
	for _, d := range domains {
		if err := e.db.AddDomainBlock(ctx, d, "configuration"); err != nil {
			return err
		}
	}
	e.forgetDomainBlocks()
	return nil
}

// forgetDomainBlocks makes the next DomainBlocked read the list again.
func (e *Engine) forgetDomainBlocks() {
	e.blocksMu.Lock()
	e.blocksLoaded = time.Time{}
	e.blocksMu.Unlock()
}

// DomainBlocked reports whether a host (or a parent domain of it) is
// blocked with severity suspend or, in allowlist mode, not allowed. The
// lists are cached briefly: they are read on every inbox POST.
func (e *Engine) DomainBlocked(ctx context.Context, host string) bool {
	e.blocksMu.Lock()
	if time.Since(e.blocksLoaded) > 30*time.Second {
		e.loadDomainLists(ctx)
	}
	blocks, allows := e.blocks, e.allows
	e.blocksMu.Unlock()
	domain := strings.ToLower(host)
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domain = h
	}
	if e.opts.AllowlistMode && domain != e.localHost() && !matchesDomain(domain, allows) {
		return true
	}
	return matchesDomain(domain, blocks)
}

// MediaRejected reports whether a's media are refused by a domain block
// with reject_media, by its handle's domain or its actor's host (the same
// rule as db's media cache query).
func (e *Engine) MediaRejected(ctx context.Context, a *db.Account) bool {
	e.blocksMu.Lock()
	if time.Since(e.blocksLoaded) > 30*time.Second {
		e.loadDomainLists(ctx)
	}
	rejected := e.rejectMedia
	e.blocksMu.Unlock()
	for _, host := range []string{a.Domain, hostOf(a.URI)} {
		host = strings.ToLower(host)
		name := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			name = h
		}
		if host != "" && (matchesDomain(host, rejected) || matchesDomain(name, rejected)) {
			return true
		}
	}
	return false
}

// hostOf is the host of a URL ("" when it has none).
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// localHost is this instance's host name without a port.
func (e *Engine) localHost() string {
	if h, _, err := net.SplitHostPort(e.urls.Host()); err == nil {
		return h
	}
	return e.urls.Host()
}

// loadDomainLists reads the blocked (and allowed) domains; e.blocksMu is held.
func (e *Engine) loadDomainLists(ctx context.Context) {
	list, err := e.db.DomainBlocks(ctx)
	if err != nil {
		return
	}
	var allows []string
	if e.opts.AllowlistMode {
		if allows, err = e.db.AllowedDomains(ctx); err != nil {
			return
		}
	}
	e.blocks, e.rejectMedia = e.blocks[:0], e.rejectMedia[:0]
	for _, b := range list {
		if b.Severity == "suspend" { // silence and noop still federate
			e.blocks = append(e.blocks, b.Domain)
		}
		if b.RejectMedia {
			e.rejectMedia = append(e.rejectMedia, b.Domain)
		}
	}
	e.allows, e.blocksLoaded = allows, time.Now()
}

// matchesDomain reports whether domain is one of list or a subdomain of one.
func matchesDomain(domain string, list []string) bool {
	for _, b := range list {
		if domain == b || strings.HasSuffix(domain, "."+b) {
			return true
		}
	}
	return false
}
