package media

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// ErrBusy is returned by Process when the image waited too long for its
// turn (30 s by default, see SetDecodeLimits): the server is busy with other images and
// the client should try again shortly (HTTP 503 with Retry-After). It does
// not satisfy IsInvalid.
var ErrBusy = errors.New("media: too many images are being processed, try again shortly")

// Decoding is bounded process-wide, whatever asks for it (uploads, avatars,
// the remote media cache): at most GOMAXPROCS images at a time (the work is
// CPU-bound: more at once only holds more memory), and at most
// decodeBudget bytes of pixel buffers in flight, estimated from the header
// before anything is allocated. Waiters queue in order. An image whose
// estimate exceeds the budget waits until it runs alone.
const (
	decodeBudget     = 256 << 20
	defaultQueueWait = 30 * time.Second
	// After an image this large the heap is returned to the system at once:
	// otherwise the next GC waits for the heap to double from its peak, and
	// the memory stays resident long after a burst (minutes, in the issue).
	freeAfterBytes = 64 << 20
)

// gate admits decodes.
type gate struct {
	slots  *semaphore.Weighted
	memory *semaphore.Weighted
	budget int64
	wait   time.Duration
}

func newGate(slots int, budget int64, wait time.Duration) *gate {
	return &gate{slots: semaphore.NewWeighted(int64(slots)), memory: semaphore.NewWeighted(budget), budget: budget, wait: wait}
}

var decodeGate atomic.Pointer[gate]

func init() {
	decodeGate.Store(newGate(runtime.GOMAXPROCS(0), decodeBudget, defaultQueueWait))
}

// SetDecodeLimits replaces the process-wide bounds on image decoding: at
// most slots images at a time, memory bytes of (estimated) pixel buffers
// in flight, and wait, the longest an image waits for its turn before
// ErrBusy. Zero values keep the defaults (GOMAXPROCS, 256 MB, 30 s). It
// returns a function that restores the previous bounds. Images already
// admitted finish under the bounds they were admitted by.
func SetDecodeLimits(slots int, memory int64, wait time.Duration) (restore func()) {
	if slots <= 0 {
		slots = runtime.GOMAXPROCS(0)
	}
	if memory <= 0 {
		memory = decodeBudget
	}
	if wait <= 0 {
		wait = defaultQueueWait
	}
	old := decodeGate.Swap(newGate(slots, memory, wait))
	return func() { decodeGate.Store(old) }
}

// enterGate waits until an image needing cost bytes may be decoded, and
// returns the function that ends its turn.
func enterGate(cost int64) (func(), error) {
	g := decodeGate.Load()
	ctx, cancel := context.WithTimeout(context.Background(), g.wait)
	defer cancel()
	cost = min(max(cost, 1), g.budget)
	if err := g.memory.Acquire(ctx, cost); err != nil {
		return nil, ErrBusy
	}
	if err := g.slots.Acquire(ctx, 1); err != nil {
		g.memory.Release(cost)
		return nil, ErrBusy
	}
	return func() {
		g.slots.Release(1)
		g.memory.Release(cost)
		if cost >= freeAfterBytes {
			debug.FreeOSMemory()
		}
	}, nil
}
