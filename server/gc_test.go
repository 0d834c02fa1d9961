package server

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGoalPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{0, 48 * mb, basePercent},        // nothing measured yet
		{4 * mb, 48 * mb, 1100 - 100},    // 4 MB × 11 = 44 MB < 48: rounded up to 1100 % … capped
		{6 * mb, 48 * mb, 700},           // 6 MB × 8 = 48 MB
		{10 * mb, 48 * mb, 380},          // 10 MB × 4.8
		{16 * mb, 48 * mb, basePercent},  // 16 MB × 3 = 48 MB: the base goal reaches it
		{100 * mb, 48 * mb, basePercent}, // a large live heap: the base
		{1 * mb, 48 * mb, maxPercent},    // a tiny live heap: capped
		{7 * mb, 48 * mb, 586},           // 7 MB × 6.86 ≥ 48 MB
	} {
		if got := goalPercent(c.live, c.floor); got != c.want {
			t.Errorf("goalPercent(%d MB, %d MB) = %d, want %d", c.live/mb, c.floor/mb, got, c.want)
		}
	}
}

// After a collection that finds a small live heap, GOGC is raised so that
// the goal reaches the floor.
func TestKeepHeapGoalRaisesGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(basePercent))
	stop := keepHeapGoal(1 << 40) // a floor no live heap of a test reaches: the cap
	defer stop()
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		metrics.Read(sample)
		if sample[0].Value.Uint64() == maxPercent {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC stayed %d after collections, want %d", sample[0].Value.Uint64(), maxPercent)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIdleReturnWhenQuietAfterGarbage(t *testing.T) {
	const mb = 1 << 20
	r := idleReturn{last: 100 * mb}
	steps := []struct {
		name   string
		allocs uint64 // cumulative
		want   bool
	}{
		{"quiet start, little garbage yet", 100*mb + 100<<10, false},
		{"burst, still busy", 140 * mb, false},
		{"busy tick", 150 * mb, false},
		{"first quiet tick after the burst", 150*mb + 200<<10, true},
		{"quiet again: already returned", 150*mb + 400<<10, false},
		{"background work adds up", 150*mb + 900<<10, false},
		{"quiet, past garbageOver since the return", 151*mb + 500<<10, true},
		{"quiet, little since", 151*mb + 900<<10, false},
		{"a second burst", 200 * mb, false},
		{"quiet after it", 200*mb + 10<<10, true},
	}
	for _, s := range steps {
		if got := r.due(s.allocs); got != s.want {
			t.Fatalf("%s: due = %v, want %v", s.name, got, s.want)
		}
	}
}
