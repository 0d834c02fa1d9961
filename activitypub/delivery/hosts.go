package delivery

import (
	"context"
	"time"

	"github.com/kontor-social/kontor/db"
)

// hostState is what this process knows about one remote host. Fields are
// guarded by Queue.mu.
type hostState struct {
	name     string
	loadedAt time.Time // instance row last read
	lastUsed time.Time

	rfc9421   bool      // the host asked for RFC 9421 signatures
	down      bool      // marked down: one request at a time (the probe)
	downSince time.Time // how long it has been down sets the probe interval

	held     int // claimed rows, waiting or in flight
	inFlight int
	waiting  []*job
	inReady  bool

	lastSuccess      time.Time // last 2xx seen (when it completed)
	lastRecorded     time.Time // last RecordHostSuccess written
	failuresRecorded bool      // RecordHostFailure written since
}

func (h *hostState) limit(maxPerHost int) int {
	if h.down {
		return 1
	}
	return maxPerHost
}

// hostLocked returns the state of a host, creating it.
func (q *Queue) hostLocked(name string, now time.Time) *hostState {
	h := q.hosts[name]
	if h == nil {
		h = &hostState{name: name, lastUsed: now}
		q.hosts[name] = h
	}
	return h
}

// refreshHosts reads the instance rows of the batch's hosts this process has
// not read lately (one query): whether they want RFC 9421, whether another
// process marked them down.
func (q *Queue) refreshHosts(ctx context.Context, rows []db.ClaimedDelivery) {
	if ctx.Err() != nil {
		return // stopping: nothing will be sent
	}
	now := q.o.Now()
	var stale []string
	seen := map[string]bool{}
	q.mu.Lock()
	for i := range rows {
		name := rows[i].Host
		if seen[name] {
			continue
		}
		seen[name] = true
		if h := q.hosts[name]; h == nil || now.Sub(h.loadedAt) >= hostRefresh {
			stale = append(stale, name)
		}
	}
	q.mu.Unlock()
	if len(stale) == 0 {
		return
	}
	insts, err := q.db.InstancesByDomains(ctx, stale)
	if err != nil {
		q.log.Warn("load instances", "err", err)
		return // try again with the next batch
	}
	byName := make(map[string]*db.Instance, len(insts))
	for i := range insts {
		byName[insts[i].Domain] = &insts[i]
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, name := range stale {
		h := q.hostLocked(name, now)
		h.loadedAt = now
		in := byName[name]
		if in == nil {
			continue
		}
		h.rfc9421 = in.WantsRFC9421
		switch {
		case in.DownSince != nil && !h.down:
			h.down, h.downSince = true, *in.DownSince
		case in.DownSince == nil && h.down:
			h.down, h.downSince = false, time.Time{}
		}
	}
}

// hostSuccess notes a 2xx and reports whether the database should hear of
// it: at most every few seconds per host, unless it has failures to clear or
// the host was down. The write goes with the row's outcome (the settler's
// batch), not here: a fan-out to 5,000 new hosts would otherwise be 5,000
// write transactions, each holding a send slot while it waits for the writer.
func (q *Queue) hostSuccess(h *hostState, now time.Time) (record bool) {
	q.mu.Lock()
	h.lastSuccess = now
	record = h.down || h.failuresRecorded || now.Sub(h.lastRecorded) >= successRecordInterval
	wasDown := h.down
	if record {
		h.lastRecorded = now
		h.failuresRecorded = false
		h.down, h.downSince = false, time.Time{}
	}
	q.mu.Unlock()
	if wasDown {
		q.log.Info("host is back", "host", h.name)
	}
	return record
}

// hostFailure counts a failure that says something about the host
// (network error, timeout, 5xx). A failure does not count if the host
// answered 2xx while the request was pending or shortly before it started:
// one host may serve healthy and blackholed inboxes at once and must stay up
// for the healthy ones; a dead host is still found, a minute later. When the
// host goes down its waiting rows are handed back until the probe.
func (q *Queue) hostFailure(ctx context.Context, j *job, now time.Time) {
	h := j.host
	q.mu.Lock()
	if !h.lastSuccess.IsZero() && h.lastSuccess.After(j.started.Add(-successGrace)) {
		q.mu.Unlock()
		return
	}
	h.failuresRecorded = true
	downFor := time.Duration(0)
	if h.down {
		downFor = now.Sub(h.downSince)
	}
	probeAt := now.Add(min(max(downFor, q.o.MinProbe), q.o.MaxProbe))
	q.mu.Unlock()

	down, err := q.db.RecordHostFailure(ctx, h.name, q.o.HostDownThreshold, probeAt)
	if err != nil {
		q.log.Warn("record host failure", "host", h.name, "err", err)
		return
	}
	if !down {
		return
	}
	q.mu.Lock()
	if h.lastSuccess.After(j.started) {
		// It answered meanwhile: not down after all. The next 2xx writes
		// that down; until then our claims skip the host.
		h.failuresRecorded = true
		q.mu.Unlock()
		return
	}
	newly := !h.down
	if newly {
		h.down, h.downSince = true, now
	}
	waiting := h.waiting
	h.waiting = nil
	for _, w := range waiting {
		q.unholdLocked(h, 1)
		w.nextAt = probeAt
		q.emitLocked(w.outcome(db.Release))
	}
	q.mu.Unlock()
	deferred, err := q.db.DeferHostDeliveries(ctx, h.name, probeAt)
	if err != nil {
		q.log.Warn("defer deliveries of a down host", "host", h.name, "err", err)
	}
	if newly {
		q.log.Warn("host is down", "host", h.name, "next_probe", probeAt.UTC().Format(time.RFC3339),
			"rows_waiting", len(waiting)+deferred)
	}
}

// sweepHosts forgets hosts with nothing held that were not used lately.
func (q *Queue) sweepHosts(now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for name, h := range q.hosts {
		if h.held == 0 && !h.inReady && now.Sub(h.lastUsed) > hostIdle {
			delete(q.hosts, name)
		}
	}
}
