package server

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// TuneGC lets the heap grow to three times what is live between
// collections instead of twice (Go's default), under a soft ceiling of
// 120 MiB that makes collection eager again as it nears. The read path
// allocates a lot of short-lived rows and JSON: under the readpath bench
// the collector took ~11 % of the CPU, while the live heap stays near
// 15 MB. A GOGC or GOMEMLIMIT in the environment wins.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(120 << 20)
	}
}

// How ReturnMemoryWhenIdle decides (see idleReturn).
const (
	idleTick = 10 * time.Second
	// Allocated in one tick: the process is idle (a bare server's
	// background work allocates ~0.7 MB per tick).
	idleBelow = 4 << 20
	burstOver = 16 << 20 // allocated since the last return: worth returning
)

// ReturnMemoryWhenIdle gives the heap's free pages back to the OS once a
// burst of work is over, until ctx ends. Go's own scavenger keeps about
// the heap goal mapped — with GOGC 200 three times the live heap —, so a
// server that served a burst stayed ~13 MB above its idle size for good
// (bench/readpath: 64 → 51 MB). It runs a forced collection only when the
// last tick allocated almost nothing after a burst: at most once per burst,
// a few milliseconds of CPU for a heap of this size, never under load.
func ReturnMemoryWhenIdle(ctx context.Context) {
	t := time.NewTicker(idleTick)
	defer t.Stop()
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	r := idleReturn{last: read()}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if r.due(read()) {
				debug.FreeOSMemory()
			}
		}
	}
}

// idleReturn decides, from the heap's cumulative allocations read once per
// tick, when a return of memory is due: the last tick allocated less than
// idleBelow (idle now) and at least burstOver was allocated since the last
// return (there was a burst whose garbage the heap still holds).
type idleReturn struct {
	last, since uint64
}

func (r *idleReturn) due(allocs uint64) bool {
	tick := allocs - r.last
	r.last = allocs
	r.since += tick
	if tick >= idleBelow || r.since < burstOver {
		return false
	}
	r.since = 0
	return true
}
