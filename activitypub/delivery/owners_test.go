package delivery_test

import (
	"context"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/delivery"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// deadPID is the pid of a process that has exited.
func deadPID(t *testing.T) int64 {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run a child process: %v", err)
	}
	return int64(cmd.Process.Pid)
}

// claimFor leases every due row in the name of process owner, for lease.
func claimFor(t *testing.T, store *db.DB, owner int64, lease time.Duration, want int) {
	t.Helper()
	rows, err := store.ClaimDeliveryBatch(context.Background(), owner, 500, lease, nil)
	if err != nil || len(rows) != want {
		t.Fatalf("claimed %d rows for process %d, %v; want %d", len(rows), owner, err, want)
	}
}

// A process killed while it held rows (on this machine: its pid no longer
// runs, or runs a process started at another time) hands them over at
// once: a new queue sends them without waiting for their lease, each once.
func TestDeadProcessRowsAreDueAtOnce(t *testing.T) {
	self := delivery.ThisProcess()
	if self.HostKey == "" {
		t.Skip("SKIPPING: no /proc here, processes are told dead by heartbeat only (TestLivePeerKeepsItsRows)")
	}
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		ctx := context.Background()
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		gone := self
		gone.PID = deadPID(t)
		reused := self
		reused.PIDStart = "1" // our pid, but started at boot: another process
		type batch struct {
			targets []string
			body    []byte
		}
		var batches []batch
		for i, p := range []db.Process{gone, reused} {
			if err := store.RegisterProcess(ctx, &p); err != nil {
				t.Fatal(err)
			}
			targets := inboxes(s, []string{"/gone", "/reused"}[i], 20)
			_, body := enqueue(t, store, alice, targets)
			claimFor(t, store, p.ID, time.Hour, 20)
			batches = append(batches, batch{targets, body})
		}
		start := time.Now()
		q := newQueue(t, store, alice, delivery.Options{})
		run(t, q)
		kontortest.Eventually(t, 20*time.Second, "the dead processes' rows sent", func() bool { return pending(t, store) == 0 })
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %s: the rows waited for something", d)
		}
		for _, b := range batches {
			exactlyOnce(t, s, b.targets, b.body)
		}
		if procs, err := store.Processes(ctx); err != nil || len(procs) != 1 {
			t.Errorf("processes left: %+v, %v; want only the queue's", procs, err)
		}
	})
}

// A live process keeps its rows, even long past their lease (it may be
// slow to write their outcomes: taking them would send them twice). Once
// its heartbeat stops for OwnerTimeout, it is gone and they are sent.
func TestLivePeerKeepsItsRows(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB, _ string) {
		ctx := context.Background()
		alice := newActor(t, store, "alice")
		s := newSink(t, alice)
		peer := db.Process{Hostname: "elsewhere", HostKey: "another machine", PID: 1, PIDStart: "1"}
		if err := store.RegisterProcess(ctx, &peer); err != nil {
			t.Fatal(err)
		}
		beat, stop := context.WithCancel(ctx)
		var beating sync.WaitGroup
		beating.Go(func() {
			for beat.Err() == nil {
				if ok, err := store.HeartbeatProcess(beat, peer.ID); !ok && beat.Err() == nil {
					t.Errorf("peer heartbeat: %v, %v", ok, err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
		targets := inboxes(s, "/peer", 20)
		_, body := enqueue(t, store, alice, targets)
		claimFor(t, store, peer.ID, 100*time.Millisecond, 20)
		const timeout = 700 * time.Millisecond
		q := newQueue(t, store, alice, delivery.Options{Heartbeat: 100 * time.Millisecond, OwnerTimeout: timeout, PollInterval: 50 * time.Millisecond})
		run(t, q)
		time.Sleep(3 * timeout)
		if n := s.total(); n != 0 {
			t.Fatalf("%d POSTs of rows a live peer holds", n)
		}
		stop()
		beating.Wait()
		stopped := time.Now()
		kontortest.Eventually(t, 20*time.Second, "the rows sent once the peer is gone", func() bool { return pending(t, store) == 0 })
		if first := firstOK(s, targets); first.Sub(stopped) < timeout-150*time.Millisecond {
			t.Errorf("sent %s after the peer's last heartbeat, before its timeout %s", first.Sub(stopped), timeout)
		}
		exactlyOnce(t, s, targets, body)
	})
}
