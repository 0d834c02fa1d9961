package delivery_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/delivery"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// BenchmarkFanOut1000 sends one activity to 1,000 distinct inboxes of one
// local sink (no shared inbox), each POST signed with RSA-2048, over real
// HTTP, from a queue with the default limits. ms/fanout is the wall time
// from the committed rows to the sink's last 2xx; cpu-ms/fanout the CPU the
// process used meanwhile (with PostgreSQL, the server's CPU is not in it). In the blackholed variant
// every tenth inbox accepts the connection and never answers (transport
// timeout 10 s, as in production); ms/fanout is then the time until the 900
// healthy inboxes have their 2xx. Enqueueing is not timed.
//
//	go test -run '^$' -bench FanOut1000 -benchtime 5x ./activitypub/delivery/
//	KONTOR_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test -run '^$' -bench FanOut1000 -benchtime 5x -cpuprofile /tmp/cpu.out ./activitypub/delivery/
func BenchmarkFanOut1000(b *testing.B) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		for _, blackholed := range []bool{false, true} {
			name := dialect + "/healthy"
			if blackholed {
				name = dialect + "/10pct-blackholed"
			}
			b.Run(name, func(b *testing.B) { benchFanOut(b, dialect, blackholed) })
		}
	}
}

func benchFanOut(b *testing.B, dialect string, blackholed bool) {
	const n = 1000
	store := openStore(b, kontortest.NewDatabaseURL(b, dialect))
	alice := newActor(b, store, "alice")
	s := newSink(b, nil)
	poster := client(10 * time.Second)
	healthy := n
	if blackholed {
		healthy = n - n/10
	}
	var total, cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		targets := make([]string, n)
		for k := range targets {
			if blackholed && k%10 == 0 {
				targets[k] = s.url(fmt.Sprintf("/blackhole/%d/%d/inbox", i, k))
			} else {
				targets[k] = s.url(fmt.Sprintf("/users/%d/%d/inbox", i, k))
			}
		}
		enqueue(b, store, alice, targets)
		oks := make(chan struct{}, n)
		s.mu.Lock()
		s.okCh = oks
		s.mu.Unlock()
		// A long backoff keeps this round's blackholed rows out of the next.
		q := delivery.New(delivery.Options{DB: store, Poster: poster, Signer: alice.signer, Logger: kontortest.Logger(b),
			Backoff: func(int) time.Duration { return time.Hour }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)

		b.StartTimer()
		start, cpuStart := time.Now(), cpuTime()
		go func() { done <- q.Run(ctx) }()
		timeout := time.After(60 * time.Second)
		for range healthy {
			select {
			case <-oks:
			case <-timeout:
				b.Fatalf("round %d: %d of %d inboxes reached in 60s", i, s.oks(), healthy)
			}
		}
		elapsed, used := time.Since(start), cpuTime()-cpuStart
		b.StopTimer()

		total += elapsed
		cpu += used
		if testing.Verbose() {
			b.Logf("round %d: %d inboxes reached in %s, %s CPU", i, healthy, elapsed.Round(time.Millisecond), used.Round(time.Millisecond))
		}
		s.releaseBlackholes()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if st := q.Stats(); st.Sent != int64(healthy) {
			b.Fatalf("round %d: sent %d, want %d", i, st.Sent, healthy)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/fanout")
	// CPU time of the whole process (queue, client, sink, database driver):
	// unlike wall time it does not depend on what else the machine runs.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/fanout")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
