// Package delivery sends local activities to remote inboxes: durably (rows
// of the deliveries table are deleted only after a 2xx or a decision to give
// up, so a kill -9 loses nothing), signed per request, many at once, with
// retries, per-host limits and per-host health.
//
// One dispatcher claims due rows in batches (a lease, SKIP LOCKED on
// PostgreSQL, so several processes share one queue) and starts a goroutine
// per send, at most Concurrency in flight and MaxPerHost per host. Outcomes
// go to one settler goroutine that writes them in batched transactions.
package delivery

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontor-social/kontor/metrics"

	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/db"
)

// Poster sends one signed POST; *transport.Client is the real one. It
// returns nil on 2xx, a *transport.StatusError on other answers, and errors
// transport.IsTemporary reports true for on network failures and timeouts.
type Poster interface {
	Post(ctx context.Context, inbox string, body []byte, signer transport.Signer, rfc9421 bool) error
}

// Options configure a Queue. Zero values take the defaults.
type Options struct {
	DB     *db.DB
	Poster Poster
	// Signer returns the key of an activity's actor. Results are cached
	// for a few minutes: parsing a PEM per request is waste.
	Signer            func(ctx context.Context, accountID int64) (transport.Signer, error)
	Concurrency       int           // requests in flight, default 256
	MaxPerHost        int           // requests in flight per host, default 128
	Lease             time.Duration // claim lease, default 2 minutes
	HostDownThreshold int           // consecutive failures before a host is down, default 20
	MaxAge            time.Duration // give up on a row this long after its creation, default 7 days
	Logger            *slog.Logger
	Metrics           *metrics.Set // nil: none
	// Now is the clock for backoff, ages and probes (tests). Leases and due
	// times are compared by the database against the real clock, so it must
	// stay close to it.
	Now func() time.Time
	// Backoff is the delay before the next try after failed attempt number
	// attempt (1 = the first failure). Default: 30 s × 3^(attempt-1), capped
	// at 6 h, with full jitter. A longer Retry-After wins.
	Backoff func(attempt int) time.Duration
	// MinProbe and MaxProbe bound the wait before a down host is tried
	// again; the wait grows with how long it has been down. Default 1 min, 1 h.
	MinProbe, MaxProbe time.Duration
	// PollInterval is the longest sleep when nothing is due, to notice rows
	// other processes enqueued without waking us. Default 5 s.
	PollInterval time.Duration
	// Heartbeat is how often the queue says its process is alive and looks
	// for processes that are gone; OwnerTimeout is how old a heartbeat
	// makes a process gone (see owners.go). Default 5 s and 30 s.
	Heartbeat, OwnerTimeout time.Duration
}

// Defaults of Options.
const (
	DefaultConcurrency       = 256
	DefaultMaxPerHost        = 128
	DefaultLease             = 2 * time.Minute
	DefaultHostDownThreshold = 20
	DefaultMaxAge            = 7 * 24 * time.Hour
	DefaultMinProbe          = time.Minute
	DefaultMaxProbe          = time.Hour
	DefaultPollInterval      = 5 * time.Second

	maxClaim              = 500              // rows per claim statement
	successRecordInterval = 5 * time.Second  // RecordHostSuccess at most this often per host
	successGrace          = time.Minute      // a 2xx this recent excuses a failure (see hostFailure)
	hostRefresh           = 30 * time.Second // re-read a host's instance row (another process may mark it down)
	hostIdle              = 10 * time.Minute // forget hosts unused this long
	purgeInterval         = 10 * time.Minute
)

// Stats are counters since New.
type Stats struct {
	Sent     int64 // 2xx answers
	Failed   int64 // failed attempts (any non-2xx or error)
	Dropped  int64 // rows given up (4xx, too old, unsendable)
	Retried  int64 // rows rescheduled after a failure
	InFlight int   // requests in flight now
}

// Queue is the delivery worker of one process.
type Queue struct {
	o       Options
	db      *db.DB
	log     *slog.Logger
	signers *signerCache
	self    procIdentity
	owner   atomic.Int64 // our db.Process id: rows are leased in its name

	wake chan struct{} // Wake: new rows
	kick chan struct{} // capacity freed while the dispatcher waited for it

	maxHeld  int // rows claimed and not finished (waiting + in flight)
	hostCap  int // rows held for one host beyond which claims skip it
	minBatch int // claim only when this much capacity is free (unless idle)

	mu       sync.Mutex
	running  bool
	out      chan db.DeliveryOutcome
	sendCtx  context.Context
	runCtx   context.Context // no new sends start once it is done
	hosts    map[string]*hostState
	ready    []*hostState // hosts with waiting jobs, served round-robin
	rr       int
	held     int
	inFlight int
	sends    sync.WaitGroup

	sent, failed, dropped, retried atomic.Int64
}

// New builds a Queue; Run starts it.
func New(o Options) *Queue {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxPerHost <= 0 {
		o.MaxPerHost = DefaultMaxPerHost
	}
	o.MaxPerHost = min(o.MaxPerHost, o.Concurrency)
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.HostDownThreshold <= 0 {
		o.HostDownThreshold = DefaultHostDownThreshold
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.MinProbe <= 0 {
		o.MinProbe = DefaultMinProbe
	}
	if o.MaxProbe < o.MinProbe {
		o.MaxProbe = max(DefaultMaxProbe, o.MinProbe)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.OwnerTimeout <= 0 {
		o.OwnerTimeout = max(DefaultOwnerTimeout, 3*o.Heartbeat)
	}
	q := &Queue{
		o:   o,
		db:  o.DB,
		log: o.Logger.With("component", "delivery"),
		// Twice the slots: the next rows are at hand when a slot frees,
		// without waiting for a claim round trip.
		maxHeld:  2 * o.Concurrency,
		hostCap:  2 * o.MaxPerHost,
		minBatch: max(1, min(64, o.Concurrency/4)),
		wake:     make(chan struct{}, 1),
		kick:     make(chan struct{}, 1),
		hosts:    map[string]*hostState{},
	}
	q.signers = newSignerCache(o.Signer, o.Now)
	q.self = thisProcess()
	return q
}

// Wake tells the queue new rows were enqueued, so it claims now instead of
// at its next poll. It never blocks; wakes coalesce.
func (q *Queue) Wake() { signal(q.wake) }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Stats returns the counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	n := q.inFlight
	q.mu.Unlock()
	return Stats{Sent: q.sent.Load(), Failed: q.failed.Load(), Dropped: q.dropped.Load(), Retried: q.retried.Load(), InFlight: n}
}

// Run claims and sends until ctx is done, then hands back rows it claimed
// but did not start, waits for the sends in flight (each bounded by the
// transport's timeout) and writes their outcomes. It returns nil after a
// normal shutdown.
func (q *Queue) Run(ctx context.Context) error {
	if q.db == nil || q.o.Poster == nil || q.o.Signer == nil {
		return errors.New("delivery: Options need DB, Poster and Signer")
	}
	q.mu.Lock()
	if q.running {
		q.mu.Unlock()
		return errors.New("delivery: queue already running")
	}
	q.running = true
	out := make(chan db.DeliveryOutcome, 2*q.maxHeld)
	q.out = out
	// Sends outlive ctx: a request already on the wire finishes (or times
	// out) and its outcome is written, rather than being resent later.
	q.sendCtx = context.WithoutCancel(ctx)
	q.runCtx = ctx
	q.mu.Unlock()

	if !q.registerRetrying(ctx) {
		q.mu.Lock()
		q.running = false
		q.mu.Unlock()
		return nil
	}
	beat, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	beating := make(chan struct{})
	go func() { defer close(beating); q.heartbeat(beat) }()

	settled := make(chan struct{})
	go q.settler(out, settled)

	q.dispatch(ctx)

	q.releaseWaiting()
	q.sends.Wait()
	close(out)
	<-settled
	// Beat until the outcomes are written: a peer must not take the rows
	// of a queue that is still sending them.
	stopBeat()
	<-beating
	q.deregister()
	q.mu.Lock()
	q.running = false
	q.mu.Unlock()
	return nil
}

// registerRetrying registers the queue's process, trying again while the
// database is away; false when ctx ended first.
func (q *Queue) registerRetrying(ctx context.Context) bool {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		err := q.register(ctx)
		if err == nil {
			return true
		}
		q.log.Error("delivery: register process", "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// dispatch is the claim loop.
func (q *Queue) dispatch(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var lastPurge, lastSweep time.Time
	for ctx.Err() == nil {
		now := q.o.Now()
		if now.Sub(lastPurge) >= purgeInterval {
			lastPurge = now
			q.purge(ctx)
		}
		if now.Sub(lastSweep) >= time.Minute {
			lastSweep = now
			q.sweepHosts(now)
		}
		limit, except := q.claimPlan()
		wait := q.o.PollInterval
		if limit > 0 {
			rows, err := q.claim(ctx, limit, except)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				q.log.Error("claim deliveries", "err", err)
				wait = time.Second
			} else {
				q.admit(ctx, rows)
				if len(rows) == limit {
					continue // more may be due
				}
				next, ok, err := q.db.NextClaimableDelivery(ctx, q.owner.Load(), except)
				switch {
				case err != nil && ctx.Err() == nil:
					q.log.Error("next delivery", "err", err)
				case ok:
					// A floor: a row due now that the claim missed was
					// being claimed by another process at that instant.
					wait = min(wait, max(time.Until(next), 20*time.Millisecond))
				}
			}
		}
		timer.Reset(wait) // since Go 1.23 a Reset timer never fires a stale value
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		case <-q.kick:
		case <-timer.C:
		}
	}
}

// claim leases rows. It is not cancelled with ctx: a claim cut off after
// its UPDATE committed would leave rows leased that nobody sends until the
// lease runs out. Rows claimed as Run stops are handed back by Run.
func (q *Queue) claim(ctx context.Context, limit int, except []string) ([]db.ClaimedDelivery, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return q.db.ClaimDeliveryBatch(cctx, q.owner.Load(), limit, q.o.Lease, except)
}

// claimPlan is how many rows to claim now and which hosts to skip.
func (q *Queue) claimPlan() (int, []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	free := q.maxHeld - q.held
	if free < q.minBatch && q.held > 0 {
		return 0, nil
	}
	var except []string
	for name, h := range q.hosts {
		if h.held >= q.hostCap {
			except = append(except, name)
		}
	}
	return min(free, maxClaim), except
}

// admit takes claimed rows into memory and starts what can start.
func (q *Queue) admit(ctx context.Context, rows []db.ClaimedDelivery) {
	if len(rows) == 0 {
		return
	}
	q.refreshHosts(ctx, rows)
	now := q.o.Now()
	var expired []*job
	q.mu.Lock()
	for i := range rows {
		h := q.hostLocked(rows[i].Host, now)
		j := &job{c: rows[i], host: h, until: *rows[i].ClaimedUntil}
		q.held++
		h.held++
		if now.Sub(j.c.CreatedAt) > q.o.MaxAge {
			expired = append(expired, j)
			continue
		}
		h.waiting = append(h.waiting, j)
		if !h.inReady {
			h.inReady = true
			q.ready = append(q.ready, h)
		}
	}
	q.mu.Unlock()
	for _, j := range expired {
		q.log.Warn("delivery dropped: too old", "inbox", j.c.Inbox, "activity", j.c.ActivityURI,
			"attempts", j.c.Attempts, "age", now.Sub(j.c.CreatedAt).Round(time.Second), "last_error", j.c.LastError)
		q.dropped.Add(1)
		q.emit(j.outcome(db.Dropped))
		q.done(j, false)
	}
	q.mu.Lock()
	q.scheduleLocked()
	q.mu.Unlock()
}

// scheduleLocked starts waiting jobs while there are free slots, one host
// after another so a big host does not delay the small ones behind it.
func (q *Queue) scheduleLocked() {
	for q.inFlight < q.o.Concurrency && q.runCtx.Err() == nil {
		j := q.nextJobLocked()
		if j == nil {
			return
		}
		if time.Until(j.until) < q.o.Lease/3 {
			// Waited too long for a slot: the lease could run out mid-send
			// and another worker send it too. Hand it back instead.
			q.unholdLocked(j.host, 1)
			q.emitLocked(j.outcome(db.Release))
			continue
		}
		q.inFlight++
		j.host.inFlight++
		j.started = q.o.Now()
		q.sends.Add(1)
		go q.send(q.sendCtx, j)
	}
}

func (q *Queue) nextJobLocked() *job {
	live := q.ready[:0]
	for _, h := range q.ready {
		if len(h.waiting) > 0 {
			live = append(live, h)
		} else {
			h.inReady = false
		}
	}
	clear(q.ready[len(live):])
	q.ready = live
	for range len(q.ready) {
		if q.rr >= len(q.ready) {
			q.rr = 0
		}
		h := q.ready[q.rr]
		q.rr++
		if h.inFlight < h.limit(q.o.MaxPerHost) {
			j := h.waiting[0]
			h.waiting[0] = nil
			h.waiting = h.waiting[1:]
			return j
		}
	}
	return nil
}

// done frees a job's slot (if it was sending) and its claim, then starts
// what can start.
func (q *Queue) done(j *job, wasSending bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := j.host
	if wasSending {
		q.inFlight--
		h.inFlight--
	}
	h.lastUsed = q.o.Now()
	q.unholdLocked(h, 1)
	q.scheduleLocked()
}

// unholdLocked forgets n claimed rows of h and kicks the dispatcher when
// that frees the capacity it waits for: the global batch threshold, or h
// leaving the list of hosts claims skip.
func (q *Queue) unholdLocked(h *hostState, n int) {
	globalBefore, hostBefore := q.held, h.held
	q.held -= n
	h.held -= n
	threshold := q.maxHeld - q.minBatch
	if (globalBefore > threshold && q.held <= threshold) || (hostBefore >= q.hostCap && h.held < q.hostCap) {
		signal(q.kick)
	}
}

// releaseWaiting hands back every claimed row not yet started (shutdown).
func (q *Queue) releaseWaiting() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, h := range q.ready {
		for _, j := range h.waiting {
			q.unholdLocked(h, 1)
			q.emitLocked(j.outcome(db.Release))
		}
		h.waiting = nil
		h.inReady = false
	}
	q.ready = nil
}

// purge drops rows past MaxAge that nobody holds (hosts down for days).
func (q *Queue) purge(ctx context.Context) {
	gone, err := q.db.PurgeExpiredDeliveries(ctx, q.o.Now().Add(-q.o.MaxAge))
	if err != nil {
		if ctx.Err() == nil {
			q.log.Error("purge expired deliveries", "err", err)
		}
		return
	}
	for _, g := range gone {
		q.dropped.Add(int64(g.Rows))
		q.log.Warn("deliveries dropped: too old", "host", g.Host, "rows", g.Rows, "max_age", q.o.MaxAge)
	}
}

// emit hands an outcome to the settler.
func (q *Queue) emit(o db.DeliveryOutcome) { q.out <- o }

// emitLocked is emit under q.mu: it must not block (a full channel would
// wait for the settler while holding the lock the senders need), so
// overflow goes through a goroutine.
func (q *Queue) emitLocked(o db.DeliveryOutcome) {
	select {
	case q.out <- o:
	default:
		q.sends.Add(1)
		go func() {
			defer q.sends.Done()
			q.out <- o
		}()
	}
}
