package delivery

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kontor-social/kontor/db"
)

// A queue registers itself as a process (db.Process) and leases rows in its
// name. A killed process's rows would otherwise wait for their lease (two
// minutes) before anyone sends them; a queue that starts, and every
// heartbeat after that, hands back the rows of processes that are gone:
//
//   - one in the same pid namespace on this boot (a restart on the same
//     machine or in the same container) is gone when its pid is no longer
//     running, or runs a process started at another time: known at once;
//   - any other is gone when its heartbeat is older than OwnerTimeout.
//
// A live peer's rows are never taken, however late (see db.claimableBy).

// Defaults of the owner checks.
const (
	DefaultHeartbeat    = 5 * time.Second
	DefaultOwnerTimeout = 30 * time.Second
	// orphanAge: rows of an owner no process row names are released once
	// claimed this long ago (its row may be committing at this instant).
	orphanAge = 10 * time.Second
)

// procIdentity is what tells this process apart from a later one that
// reuses its pid.
type procIdentity struct {
	hostname, hostKey, pidStart string
	pid                         int
}

// thisProcess reads the identity of the running process. Where /proc is
// missing (not Linux) hostKey is empty and peers go by heartbeat alone.
func thisProcess() procIdentity {
	id := procIdentity{pid: os.Getpid()}
	id.hostname, _ = os.Hostname()
	boot, err1 := os.ReadFile("/proc/sys/kernel/random/boot_id")
	ns, err2 := os.Readlink("/proc/self/ns/pid")
	start := pidStart(id.pid)
	if err1 == nil && err2 == nil && start != "" {
		id.hostKey = strings.TrimSpace(string(boot)) + "/" + ns
		id.pidStart = start
	}
	return id
}

// pidStart is the start time of process pid (clock ticks after boot, the
// 22nd field of /proc/PID/stat), or "" when there is no such process.
func pidStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19] // fields 3… are f[0]…: starttime is field 22
}

// alive decides whether p still runs, as seen by self at now.
func alive(p db.Process, self procIdentity, now time.Time, timeout time.Duration) bool {
	if now.Sub(p.HeartbeatAt) > timeout {
		return false
	}
	if self.hostKey != "" && p.HostKey == self.hostKey {
		return pidStart(int(p.PID)) == p.PIDStart
	}
	return true
}

// register records the queue's process and hands back the rows of the
// processes that are gone, before the first claim.
func (q *Queue) register(ctx context.Context) error {
	id := q.self
	p := &db.Process{Hostname: id.hostname, HostKey: id.hostKey, PID: int64(id.pid), PIDStart: id.pidStart}
	if err := q.db.RegisterProcess(ctx, p); err != nil {
		return err
	}
	q.owner.Store(p.ID)
	q.reapDead(ctx)
	return nil
}

// heartbeat keeps the registration fresh and reaps dead peers until ctx
// is done.
func (q *Queue) heartbeat(ctx context.Context) {
	t := time.NewTicker(q.o.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		owner := q.owner.Load()
		ok, err := q.db.HeartbeatProcess(ctx, owner)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				q.log.Warn("delivery heartbeat", "err", err)
			}
			continue
		case !ok:
			// Taken for dead (a pause longer than OwnerTimeout): our rows
			// were handed back. Register again; what we still send is
			// settled as usual (deletes are not fenced, retries are).
			q.log.Warn("delivery: peers took this process for dead; registering again")
			p := &db.Process{ID: owner, Hostname: q.self.hostname, HostKey: q.self.hostKey, PID: int64(q.self.pid), PIDStart: q.self.pidStart}
			if err := q.db.RegisterProcess(ctx, p); err != nil && ctx.Err() == nil {
				q.log.Warn("delivery register", "err", err)
			}
		}
		q.reapDead(ctx)
	}
}

// reapDead releases the rows of processes that are gone.
func (q *Queue) reapDead(ctx context.Context) {
	procs, err := q.db.Processes(ctx)
	if err != nil {
		if ctx.Err() == nil {
			q.log.Warn("delivery: list processes", "err", err)
		}
		return
	}
	now := time.Now()
	var dead []int64
	for _, p := range procs {
		if p.ID != q.owner.Load() && !alive(p, q.self, now, q.o.OwnerTimeout) {
			dead = append(dead, p.ID)
		}
	}
	n, err := q.db.ReleaseDeadLeases(ctx, dead, q.o.Lease, orphanAge)
	if err != nil {
		if ctx.Err() == nil {
			q.log.Warn("delivery: release dead leases", "err", err)
		}
		return
	}
	if n > 0 || len(dead) > 0 {
		q.log.Info("delivery: rows of processes that are gone are due now", "processes", len(dead), "rows", n)
		signal(q.wake)
	}
}

// deregister removes the registration after a normal stop (the rows were
// handed back); best effort.
func (q *Queue) deregister() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.db.DeregisterProcess(ctx, q.owner.Load()); err != nil {
		q.log.Warn("delivery deregister", "err", err)
	}
}
