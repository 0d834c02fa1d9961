package delivery

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/db"
)

// job is one claimed row in memory.
type job struct {
	c       db.ClaimedDelivery
	host    *hostState
	until   time.Time // our lease
	started time.Time
	// outcome details
	nextAt       time.Time
	countAttempt bool
	lastErr      string
	hostUp       bool // record the host's success with the outcome
}

func (j *job) outcome(kind db.OutcomeKind) db.DeliveryOutcome {
	next := j.nextAt
	if next.IsZero() {
		next = time.Now()
	}
	return db.DeliveryOutcome{ID: j.c.ID, ActivityID: j.c.ActivityID, Host: j.c.Host, ClaimedUntil: j.until,
		Kind: kind, Next: next, CountAttempt: j.countAttempt, LastError: j.lastErr, HostUp: j.hostUp}
}

// outcomeNames are the metric labels of the outcomes.
var outcomeNames = map[db.OutcomeKind]string{
	db.Delivered: "delivered", db.Dropped: "dropped", db.Retry: "retry", db.Release: "released",
}

// send posts one row and decides its fate.
func (q *Queue) send(ctx context.Context, j *job) {
	defer q.sends.Done()
	began := time.Now()
	kind := q.attempt(ctx, j)
	q.o.Metrics.Delivery(outcomeNames[kind], time.Since(began))
	q.emit(j.outcome(kind))
	q.done(j, true)
}

func (q *Queue) attempt(ctx context.Context, j *job) db.OutcomeKind {
	c := &j.c
	signer, err := q.signers.get(ctx, c.SignerID)
	if err != nil {
		// Most likely the database; the account's deletion would have
		// removed the row with the activity.
		q.failed.Add(1)
		return q.retry(j, err, 0)
	}
	q.mu.Lock()
	rfc9421 := j.host.rfc9421
	q.mu.Unlock()
	err = q.o.Poster.Post(ctx, c.Inbox, c.Body, signer, rfc9421)
	if statusCode(err) == http.StatusUnauthorized {
		// Double knock: the peer may only read the other signature
		// format. If that works, it is the host's format from now on.
		if err2 := q.o.Poster.Post(ctx, c.Inbox, c.Body, signer, !rfc9421); err2 == nil {
			q.setRFC9421(ctx, j.host, !rfc9421)
			err = nil
		}
	}
	now := q.o.Now()
	if err == nil {
		q.sent.Add(1)
		j.hostUp = q.hostSuccess(j.host, now)
		return db.Delivered
	}
	q.failed.Add(1)

	var se *transport.StatusError
	switch {
	case errors.As(err, &se):
		switch {
		case se.Code >= 500:
			q.hostFailure(ctx, j, now)
		case se.Code == http.StatusUnauthorized, se.Code == http.StatusRequestTimeout,
			se.Code == http.StatusTooEarly, se.Code == http.StatusTooManyRequests:
			// the host is alive; the request may pass later
		case se.Code >= 400:
			j.lastErr = err.Error()
			q.dropped.Add(1)
			q.log.Warn("delivery dropped", "inbox", c.Inbox, "activity", c.ActivityURI, "status", se.Code, "attempts", c.Attempts+1)
			return db.Dropped
		}
		return q.retry(j, err, se.RetryAfter)
	case transport.IsTemporary(err):
		q.hostFailure(ctx, j, now)
		return q.retry(j, err, 0)
	default:
		// Refused by the SSRF guard, unusable URL, unsignable: no retry helps.
		j.lastErr = err.Error()
		q.dropped.Add(1)
		q.log.Warn("delivery dropped", "inbox", c.Inbox, "activity", c.ActivityURI, "err", err)
		return db.Dropped
	}
}

// retry schedules the next attempt, or gives up when the row is too old.
func (q *Queue) retry(j *job, err error, retryAfter time.Duration) db.OutcomeKind {
	c := &j.c
	now := q.o.Now()
	j.lastErr = err.Error()
	deadline := c.CreatedAt.Add(q.o.MaxAge)
	if !now.Before(deadline) {
		q.dropped.Add(1)
		q.log.Warn("delivery dropped: too old", "inbox", c.Inbox, "activity", c.ActivityURI, "attempts", c.Attempts+1, "err", err)
		return db.Dropped
	}
	delay := max(q.o.Backoff(int(c.Attempts)+1), retryAfter)
	// The last try happens at the deadline, not past it.
	j.nextAt = now.Add(delay)
	if j.nextAt.After(deadline) {
		j.nextAt = deadline
	}
	j.countAttempt = true
	q.retried.Add(1)
	q.log.Debug("delivery failed, will retry", "inbox", c.Inbox, "attempts", c.Attempts+1, "next", j.nextAt, "err", err)
	return db.Retry
}

func statusCode(err error) int {
	var se *transport.StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// setRFC9421 remembers a host's signature format, here and in the database.
func (q *Queue) setRFC9421(ctx context.Context, h *hostState, wants bool) {
	q.mu.Lock()
	changed := h.rfc9421 != wants
	h.rfc9421 = wants
	q.mu.Unlock()
	if !changed {
		return
	}
	q.log.Info("host signature format", "host", h.name, "rfc9421", wants)
	if err := q.db.SetWantsRFC9421(ctx, h.name, wants); err != nil {
		q.log.Warn("remember signature format", "host", h.name, "err", err)
	}
}

// Backoff defaults.
const (
	backoffBase   = 30 * time.Second
	backoffFactor = 3
	backoffCap    = 6 * time.Hour
)

// DefaultBackoff is 30 s × 3^(attempt-1) capped at 6 h, with full jitter
// (uniform in [1 s, that]): retries of a fan-out that failed together spread
// out instead of coming back as one burst.
func DefaultBackoff(attempt int) time.Duration {
	d := backoffBase
	for i := 1; i < attempt && d < backoffCap; i++ {
		d *= backoffFactor
	}
	d = min(d, backoffCap)
	return time.Second + rand.N(d-time.Second)
}
