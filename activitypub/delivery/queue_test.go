package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/delivery"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func newQueue(t *testing.T, store *db.DB, a *actor, o delivery.Options) *delivery.Queue {
	o.DB, o.Signer, o.Logger = store, a.signer, kontortest.Logger(t)
	if o.Poster == nil {
		o.Poster = client(5 * time.Second)
	}
	return delivery.New(o)
}

// exactlyOnce checks every target got one POST, validly signed, with body.
func exactlyOnce(t *testing.T, s *sink, targets []string, body []byte) {
	t.Helper()
	for _, target := range targets {
		path := strings.TrimPrefix(target, s.srv.URL)
		hits := s.hitsOf(path)
		if len(hits) != 1 {
			t.Errorf("%s: %d POSTs, want 1", path, len(hits))
			continue
		}
		if hits[0].sigErr != nil {
			t.Errorf("%s: signature: %v", path, hits[0].sigErr)
		}
		if body != nil && !bytes.Equal(hits[0].body, body) {
			t.Errorf("%s: body %q, want %q", path, hits[0].body, body)
		}
	}
}

// Alice's post reaches 60 inboxes: one signed POST each, the right body,
// and the key is looked up once.
func TestFanOut(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		targets := inboxes(s, "/users", 60)
		id, body := enqueue(t, store, alice, targets)
		q := newQueue(t, store, alice, delivery.Options{})
		run(t, q)
		kontortest.Eventually(t, 30*time.Second, "all rows delivered", func() bool { return pending(t, store) == 0 })
		exactlyOnce(t, s, targets, body)
		if st := q.Stats(); st.Sent != 60 || st.Failed != 0 || st.Dropped != 0 {
			t.Errorf("stats %+v", st)
		}
		if alice.signed != 1 {
			t.Errorf("Signer called %d times, want 1 (cached)", alice.signed)
		}
		kontortest.Eventually(t, 5*time.Second, "delivery stats", func() bool {
			d, f, err := store.DeliveryCounts(context.Background(), id)
			return err == nil && d == 60 && f == 0
		})
	})
}

// An inbox answering 503 twice then 202 is delivered on the third attempt.
func TestRetryUntilDelivered(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		s.setAnswer(func(path string, n int, _ *http.Request) (int, http.Header) {
			if n < 2 {
				return http.StatusServiceUnavailable, nil
			}
			return http.StatusAccepted, nil
		})
		_, body := enqueue(t, store, alice, []string{s.url("/flaky/inbox")})
		q := newQueue(t, store, alice, delivery.Options{Backoff: quickBackoff})
		run(t, q)
		kontortest.Eventually(t, 20*time.Second, "row delivered", func() bool { return pending(t, store) == 0 })
		hits := s.hitsOf("/flaky/inbox")
		if len(hits) != 3 {
			t.Fatalf("%d POSTs, want 3", len(hits))
		}
		if !bytes.Equal(hits[2].body, body) || hits[2].sigErr != nil {
			t.Errorf("third POST: body %q, signature %v", hits[2].body, hits[2].sigErr)
		}
		if st := q.Stats(); st.Sent != 1 || st.Retried != 2 || st.Failed != 2 {
			t.Errorf("stats %+v", st)
		}
	})
}

// Retry-After longer than the backoff is honoured.
func TestRetryAfter(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, nil)
		s.setAnswer(func(path string, n int, _ *http.Request) (int, http.Header) {
			if n == 0 {
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}
			}
			return http.StatusAccepted, nil
		})
		enqueue(t, store, alice, []string{s.url("/busy/inbox")})
		q := newQueue(t, store, alice, delivery.Options{Backoff: quickBackoff})
		run(t, q)
		kontortest.Eventually(t, 20*time.Second, "row delivered", func() bool { return pending(t, store) == 0 })
		hits := s.hitsOf("/busy/inbox")
		if len(hits) != 2 {
			t.Fatalf("%d POSTs, want 2", len(hits))
		}
		if gap := hits[1].at.Sub(hits[0].at); gap < 1900*time.Millisecond {
			t.Errorf("retried after %s, Retry-After was 2s", gap)
		}
	})
}

// 404 and 410 are final: one attempt, then the row is gone.
func TestGoneIsDropped(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, nil)
		s.setAnswer(func(path string, n int, _ *http.Request) (int, http.Header) {
			if strings.HasPrefix(path, "/gone/") {
				return http.StatusGone, nil
			}
			return http.StatusNotFound, nil
		})
		id, _ := enqueue(t, store, alice, []string{s.url("/gone/inbox"), s.url("/missing/inbox")})
		q := newQueue(t, store, alice, delivery.Options{Backoff: quickBackoff})
		run(t, q)
		kontortest.Eventually(t, 20*time.Second, "rows dropped", func() bool { return pending(t, store) == 0 })
		time.Sleep(100 * time.Millisecond)
		for _, p := range []string{"/gone/inbox", "/missing/inbox"} {
			if n := len(s.hitsOf(p)); n != 1 {
				t.Errorf("%s: %d POSTs, want 1", p, n)
			}
		}
		if st := q.Stats(); st.Dropped != 2 || st.Retried != 0 || st.Sent != 0 {
			t.Errorf("stats %+v", st)
		}
		kontortest.Eventually(t, 5*time.Second, "delivery stats", func() bool {
			d, f, err := store.DeliveryCounts(context.Background(), id)
			return err == nil && d == 0 && f == 2
		})
	})
}

// A host that answers 401 to cavage gets RFC 9421 at once, and from then
// on first (this queue and the next one, from the database).
func TestRFC9421After401(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		s.setAnswer(func(path string, n int, r *http.Request) (int, http.Header) {
			if r.Header.Get("Signature-Input") == "" {
				return http.StatusUnauthorized, nil
			}
			return http.StatusAccepted, nil
		})
		ctx := context.Background()
		enqueue(t, store, alice, []string{s.url("/a/inbox")})
		q := newQueue(t, store, alice, delivery.Options{Backoff: quickBackoff})
		stop := run(t, q)
		kontortest.Eventually(t, 20*time.Second, "first delivered", func() bool { return pending(t, store) == 0 })
		hits := s.hitsOf("/a/inbox")
		if len(hits) != 2 || hits[0].rfc9421 || !hits[1].rfc9421 || hits[1].sigErr != nil {
			t.Fatalf("first activity: want cavage then a valid RFC 9421 POST, got %+v", hits)
		}
		in, err := store.InstanceByDomain(ctx, s.host())
		if err != nil || !in.WantsRFC9421 {
			t.Fatalf("instance %+v, %v: want wants_rfc9421", in, err)
		}

		enqueue(t, store, alice, []string{s.url("/b/inbox")})
		q.Wake()
		kontortest.Eventually(t, 20*time.Second, "second delivered", func() bool { return pending(t, store) == 0 })
		stop()
		if hits := s.hitsOf("/b/inbox"); len(hits) != 1 || !hits[0].rfc9421 {
			t.Errorf("second activity: want one RFC 9421 POST, got %d (%+v)", len(hits), hits)
		}

		q2 := newQueue(t, store, alice, delivery.Options{})
		enqueue(t, store, alice, []string{s.url("/c/inbox")})
		run(t, q2)
		kontortest.Eventually(t, 20*time.Second, "third delivered", func() bool { return pending(t, store) == 0 })
		if hits := s.hitsOf("/c/inbox"); len(hits) != 1 || !hits[0].rfc9421 {
			t.Errorf("new queue: want one RFC 9421 POST, got %d", len(hits))
		}
	})
}

// A host failing every request is marked down after the threshold, left
// alone until its probe, and back when the probe succeeds.
func TestHostDownAndProbe(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		var healthy atomic.Bool
		s.setAnswer(func(string, int, *http.Request) (int, http.Header) {
			if healthy.Load() {
				return http.StatusAccepted, nil
			}
			return http.StatusBadGateway, nil
		})
		ctx := context.Background()
		targets := inboxes(s, "/down", 5)
		_, body := enqueue(t, store, alice, targets)
		const probe = 2 * time.Second
		q := newQueue(t, store, alice, delivery.Options{Backoff: quickBackoff, HostDownThreshold: 3, MinProbe: probe, PollInterval: 100 * time.Millisecond})
		run(t, q)

		var in *db.Instance
		kontortest.Eventually(t, 20*time.Second, "host marked down", func() bool {
			var err error
			in, err = store.InstanceByDomain(ctx, s.host())
			return err == nil && in.DownSince != nil
		})
		downAt := time.Now()
		if in.NextProbeAt == nil || in.NextProbeAt.Sub(*in.DownSince) < probe-200*time.Millisecond {
			t.Errorf("next probe %v, down since %v: want about %s later", in.NextProbeAt, in.DownSince, probe)
		}
		time.Sleep(300 * time.Millisecond) // in-flight requests finish
		before := s.total()
		if before < 3 {
			t.Errorf("down after %d requests, threshold 3", before)
		}
		time.Sleep(probe / 2)
		if n := s.total(); n != before {
			t.Errorf("%d requests to a down host before its probe", n-before)
		}
		healthy.Store(true)
		kontortest.Eventually(t, 20*time.Second, "delivered after the probe", func() bool { return pending(t, store) == 0 })
		if first := firstOK(s, targets); first.Sub(downAt) < probe-500*time.Millisecond {
			t.Errorf("first success %s after down, probe interval %s", first.Sub(downAt), probe)
		}
		in, _ = store.InstanceByDomain(ctx, s.host())
		if in.DownSince != nil || in.Failures != 0 {
			t.Errorf("after the probe: down_since %v failures %d, want up", in.DownSince, in.Failures)
		}
		for _, target := range targets {
			hits := s.hitsOf(strings.TrimPrefix(target, s.srv.URL))
			if last := hits[len(hits)-1]; !bytes.Equal(last.body, body) || last.sigErr != nil {
				t.Errorf("%s: bad final POST", target)
			}
		}
	})
}

func firstOK(s *sink, targets []string) time.Time {
	var first time.Time
	for _, target := range targets {
		hits := s.hitsOf(strings.TrimPrefix(target, s.srv.URL))
		if len(hits) > 0 {
			if at := hits[len(hits)-1].at; first.IsZero() || at.Before(first) {
				first = at
			}
		}
	}
	return first
}

// One host serving healthy and blackholed inboxes at once stays up, and the
// blackholed requests (held until the transport timeout) do not hold up the
// healthy ones.
func TestBlackholedInboxesKeepHostUp(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, nil)
		var targets []string
		for i := range 60 {
			if i%6 == 0 {
				targets = append(targets, s.url(fmt.Sprintf("/blackhole/%d/inbox", i)))
			} else {
				targets = append(targets, s.url(fmt.Sprintf("/ok/%d/inbox", i)))
			}
		}
		enqueue(t, store, alice, targets)
		q := newQueue(t, store, alice, delivery.Options{
			Poster: client(3 * time.Second), MaxPerHost: 15, HostDownThreshold: 3,
			Backoff: func(int) time.Duration { return time.Hour },
		})
		start := time.Now()
		stop := run(t, q)
		kontortest.Eventually(t, 20*time.Second, "healthy inboxes reached", func() bool { return s.oks() == 50 })
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("healthy inboxes took %s, longer than the blackhole timeout (3s)", d)
		}
		kontortest.Eventually(t, 20*time.Second, "blackholed rows rescheduled", func() bool { return q.Stats().Retried == 10 })
		stop()
		if n := pending(t, store); n != 10 {
			t.Errorf("%d rows pending, want the 10 blackholed", n)
		}
		in, err := store.InstanceByDomain(context.Background(), s.host())
		if err != nil || in.DownSince != nil {
			t.Errorf("instance %+v, %v: want up", in, err)
		}
	})
}

// A worker that claimed rows and died (never completed them): once its lease
// runs out, a new queue sends them, each once.
func TestCrashedWorkerRowsAreSent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		targets := inboxes(s, "/crash", 20)
		_, body := enqueue(t, store, alice, targets)
		const lease = 700 * time.Millisecond
		// The lease starts during the claim, so no earlier than this: the
		// bound below holds however long the claim takes on a busy machine.
		claimedAt := time.Now()
		claimed, err := store.ClaimDeliveryBatch(context.Background(), 0, 100, lease, nil)
		if err != nil || len(claimed) != 20 {
			t.Fatalf("crashed worker claimed %d rows, %v", len(claimed), err)
		}
		q := newQueue(t, store, alice, delivery.Options{PollInterval: 50 * time.Millisecond})
		run(t, q)
		time.Sleep(lease / 2)
		if n := s.total(); n != 0 {
			t.Fatalf("%d POSTs while the dead worker's lease held", n)
		}
		kontortest.Eventually(t, 20*time.Second, "rows sent after the lease", func() bool { return pending(t, store) == 0 })
		if first := firstOK(s, targets); first.Sub(claimedAt) < lease-50*time.Millisecond {
			t.Errorf("sent %s after the claim, lease %s", first.Sub(claimedAt), lease)
		}
		exactlyOnce(t, s, targets, body)
	})
}

// A queue stopped mid-way finishes what is in flight and hands back the
// rest; the next queue sends the rest. Every inbox gets exactly one POST.
func TestStopAndRestart(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		s.setAnswer(func(string, int, *http.Request) (int, http.Header) {
			time.Sleep(50 * time.Millisecond)
			return http.StatusAccepted, nil
		})
		targets := inboxes(s, "/restart", 60)
		_, body := enqueue(t, store, alice, targets)
		q1 := newQueue(t, store, alice, delivery.Options{Concurrency: 4})
		stop := run(t, q1)
		kontortest.Eventually(t, 20*time.Second, "some sent", func() bool { return s.oks() >= 8 })
		stop()
		left := pending(t, store)
		if sent := q1.Stats().Sent; left == 0 || int(sent)+left != 60 {
			t.Fatalf("after stop: %d sent, %d pending", sent, left)
		}
		// Handed back, not leased: the next queue does not wait for a lease.
		start := time.Now()
		q2 := newQueue(t, store, alice, delivery.Options{Concurrency: 32})
		run(t, q2)
		kontortest.Eventually(t, 20*time.Second, "rest sent", func() bool { return pending(t, store) == 0 })
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("rest took %s", d)
		}
		exactlyOnce(t, s, targets, body)
	})
}

// Rows older than MaxAge are given up.
func TestMaxAge(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, nil)
		s.setAnswer(func(string, int, *http.Request) (int, http.Header) { return http.StatusServiceUnavailable, nil })
		enqueue(t, store, alice, []string{s.url("/old/inbox")})
		q := newQueue(t, store, alice, delivery.Options{Backoff: func(int) time.Duration { return 100 * time.Millisecond }, MaxAge: 500 * time.Millisecond})
		run(t, q)
		kontortest.Eventually(t, 20*time.Second, "row dropped", func() bool { return pending(t, store) == 0 })
		if st := q.Stats(); st.Dropped != 1 || st.Sent != 0 {
			t.Errorf("stats %+v", st)
		}
		// Retried before giving up, and not more often than the backoff
		// allows (how many retries fit in 500 ms depends on the machine's load).
		if n := len(s.hitsOf("/old/inbox")); n < 2 || n > 8 {
			t.Errorf("%d attempts in 500ms with 100ms backoff", n)
		}
	})
}

// A retry or release written with a lease that has since passed to another
// worker does nothing; a row completed twice is counted once.
func TestSettleIsFencedByLease(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		ctx := context.Background()
		alice := newActor(t, store, "alice")
		id, _ := enqueue(t, store, alice, []string{"https://peer.example/inbox"})
		first, err := store.ClaimDeliveryBatch(ctx, 0, 10, 50*time.Millisecond, nil)
		if err != nil || len(first) != 1 {
			t.Fatalf("claim: %d, %v", len(first), err)
		}
		time.Sleep(100 * time.Millisecond)
		second, err := store.ClaimDeliveryBatch(ctx, 0, 10, time.Minute, nil)
		if err != nil || len(second) != 1 {
			t.Fatalf("re-claim after lease: %d, %v", len(second), err)
		}
		outcome := func(c db.ClaimedDelivery, kind db.OutcomeKind) db.DeliveryOutcome {
			return db.DeliveryOutcome{ID: c.ID, ActivityID: c.ActivityID, Host: c.Host, ClaimedUntil: *c.ClaimedUntil,
				Kind: kind, Next: time.Now(), CountAttempt: true, LastError: "stale"}
		}
		if err := store.SettleDeliveries(ctx, []db.DeliveryOutcome{outcome(first[0], db.Retry)}); err != nil {
			t.Fatal(err)
		}
		if again, err := store.ClaimDeliveryBatch(ctx, 0, 10, time.Minute, nil); err != nil || len(again) != 0 {
			t.Fatalf("stale retry released the row: claimed %d, %v", len(again), err)
		}
		if err := store.SettleDeliveries(ctx, []db.DeliveryOutcome{outcome(second[0], db.Release)}); err != nil {
			t.Fatal(err)
		}
		third, err := store.ClaimDeliveryBatch(ctx, 0, 10, time.Minute, nil)
		if err != nil || len(third) != 1 || third[0].Attempts != 0 {
			t.Fatalf("after release by the lease holder: %+v, %v", third, err)
		}
		for _, c := range []db.ClaimedDelivery{first[0], third[0]} {
			if err := store.SettleDeliveries(ctx, []db.DeliveryOutcome{outcome(c, db.Delivered)}); err != nil {
				t.Fatal(err)
			}
		}
		if d, f, err := store.DeliveryCounts(ctx, id); err != nil || d != 1 || f != 0 {
			t.Errorf("delivery counts %d/%d, %v: want 1 delivered", d, f, err)
		}
	})
}

// Two queues (two processes) on one PostgreSQL database share 500 rows:
// each is POSTed exactly once.
func TestTwoQueuesOnePostgres(t *testing.T) {
	url := kontortest.NewDatabaseURL(t, db.Postgres)
	store1 := openStore(t, url)
	store2 := openStore(t, url)
	alice := newActor(t, store1, "alice")
	s := newSink(t, nil)
	s.setAnswer(func(string, int, *http.Request) (int, http.Header) {
		time.Sleep(2 * time.Millisecond)
		return http.StatusAccepted, nil
	})
	targets := inboxes(s, "/two", 500)
	enqueue(t, store1, alice, targets)
	q1 := newQueue(t, store1, alice, delivery.Options{Concurrency: 16})
	q2 := newQueue(t, store2, alice, delivery.Options{Concurrency: 16})
	run(t, q1)
	run(t, q2)
	kontortest.Eventually(t, 60*time.Second, "all delivered", func() bool { return pending(t, store1) == 0 })
	exactlyOnce(t, s, targets, nil)
	s1, s2 := q1.Stats(), q2.Stats()
	if s1.Sent+s2.Sent != 500 || s1.Sent == 0 || s2.Sent == 0 {
		t.Errorf("queue 1 sent %d, queue 2 sent %d: want 500 shared", s1.Sent, s2.Sent)
	}
}

// A row settled as delivered twice (a send that outlived its lease and
// finished twice) is counted once.
func TestDeliveredTwiceCountsOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		ctx := context.Background()
		alice := newActor(t, store, "alice")
		id, _ := enqueue(t, store, alice, []string{"https://peer.example/inbox"})
		rows, err := store.ClaimDeliveryBatch(ctx, 0, 10, time.Minute, nil)
		if err != nil || len(rows) != 1 {
			t.Fatalf("claim: %d, %v", len(rows), err)
		}
		out := db.DeliveryOutcome{ID: rows[0].ID, ActivityID: rows[0].ActivityID, Host: rows[0].Host,
			ClaimedUntil: *rows[0].ClaimedUntil, Kind: db.Delivered}
		for range 2 {
			if err := store.SettleDeliveries(ctx, []db.DeliveryOutcome{out}); err != nil {
				t.Fatal(err)
			}
		}
		if d, f, err := store.DeliveryCounts(ctx, id); err != nil || d != 1 || f != 0 {
			t.Errorf("delivery counts %d/%d, %v: want 1 delivered", d, f, err)
		}
	})
}

// The default backoff grows from 30 s towards 6 h and jitters below that.
func TestDefaultBackoff(t *testing.T) {
	for attempt, ceiling := range map[int]time.Duration{1: 30 * time.Second, 2: 90 * time.Second, 3: 270 * time.Second, 20: 6 * time.Hour} {
		var longest time.Duration
		for range 200 {
			d := delivery.DefaultBackoff(attempt)
			if d < time.Second || d > ceiling {
				t.Fatalf("attempt %d: %s outside [1s, %s]", attempt, d, ceiling)
			}
			longest = max(longest, d)
		}
		if longest < ceiling/2 {
			t.Errorf("attempt %d: longest of 200 draws %s, ceiling %s: no jitter spread", attempt, longest, ceiling)
		}
	}
}
