package server

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// TuneGC lets the heap grow to three times what is live between
// collections instead of twice (Go's default), and to at least
// minHeapGoal (keepHeapGoal), under a soft ceiling of 120 MiB that makes
// collection eager again as it nears. The read path allocates a lot of
// short-lived rows and JSON while the live heap stays small: under the
// readpath bench the collector took ~11 % of the CPU at GOGC 100, and at
// GOGC 200 it still ran every ~30 ms (a live heap of 4–6 MB, a goal of
// 12–17 MB), each time marking with write barriers on and stopping every
// goroutine to scan its stack. A GOGC or GOMEMLIMIT in the environment wins.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(basePercent)
		keepHeapGoal(minHeapGoal)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(120 << 20)
	}
}

const (
	basePercent = 200
	// minHeapGoal is the least heap goal keepHeapGoal keeps: a tenth of the
	// memory a loaded instance may use (150 MB), well under the soft ceiling.
	minHeapGoal = 48 << 20
	// maxPercent bounds the GOGC keepHeapGoal sets, so that a live heap that
	// grows fast between two collections cannot run far past the goal
	// before the next (the soft ceiling bounds it too).
	maxPercent = 1000
)

// keepHeapGoal keeps the collector's goal at least floor: after each
// collection it sets GOGC from the heap that collection found live, so that
// live × (1 + GOGC/100) reaches floor, and to basePercent again once the
// live heap alone makes the goal. Go has no setting for a least goal (the
// memory limit is a most), and a ballast allocation would count as live for
// every collection, so this is the usual tuner: a value whose cleanup runs
// after the collection that finds it unreachable, and arms the next. It
// runs until stop is called.
func keepHeapGoal(floor uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := basePercent
	var stopped atomic.Bool
	var arm func()
	arm = func() {
		sentinel := new([32]byte) // 16 bytes or more: not combined with other tiny values
		runtime.AddCleanup(sentinel, func(struct{}) {
			if stopped.Load() {
				return
			}
			metrics.Read(sample)
			if p := goalPercent(sample[0].Value.Uint64(), floor); p != last {
				debug.SetGCPercent(p)
				last = p
			}
			arm()
		}, struct{}{})
	}
	arm()
	return func() { stopped.Store(true) }
}

// goalPercent is the GOGC whose goal for a heap of live bytes is at least
// floor: basePercent when that reaches it already, at most maxPercent.
func goalPercent(live, floor uint64) int {
	if live == 0 || live*(100+basePercent)/100 >= floor {
		return basePercent
	}
	p := int((floor*100+live-1)/live) - 100 // rounded up
	return min(max(p, basePercent), maxPercent)
}

// How ReturnMemoryWhenIdle decides (see idleReturn).
const (
	idleTick = 10 * time.Second
	// Allocated in one tick: the process is idle (a bare server's
	// background work allocates ~0.7 MB per tick).
	idleBelow = 4 << 20
	// Allocated since the last return: worth a collection and a return.
	// Below minHeapGoal the collector would not run at all while idle, and
	// the background work's garbage (~0.5 MB per tick) grew the process by
	// ~1.7 MB a minute until a return (bench/readpath -bare).
	garbageOver = 1 << 20
)

// ReturnMemoryWhenIdle gives the heap's free pages back to the OS when the
// process is idle, until ctx ends. Go's own scavenger keeps about the heap
// goal mapped — at least minHeapGoal here —, so a server that served a
// burst stayed ~13 MB above its idle size for good (bench/readpath: 64 →
// 51 MB), and an idle one grew with its background work's garbage, which
// no collection took. It runs a forced collection only on a tick that
// allocated almost nothing, once garbageOver was allocated since the last
// one: at idle every few ticks, a few milliseconds of CPU for a heap of
// this size; never under load.
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
// idleBelow (idle now) and at least garbageOver was allocated since the
// last return (garbage the heap may still hold).
type idleReturn struct {
	last, since uint64
}

func (r *idleReturn) due(allocs uint64) bool {
	tick := allocs - r.last
	r.last = allocs
	r.since += tick
	if tick >= idleBelow || r.since < garbageOver {
		return false
	}
	r.since = 0
	return true
}
