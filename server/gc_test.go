package server

import "testing"

func TestIdleReturnAfterBurstOnly(t *testing.T) {
	const mb = 1 << 20
	r := idleReturn{last: 100 * mb}
	steps := []struct {
		name   string
		allocs uint64 // cumulative
		want   bool
	}{
		{"quiet start, no burst yet", 100*mb + 100<<10, false},
		{"burst, still busy", 140 * mb, false},
		{"busy tick", 150 * mb, false},
		{"first quiet tick after the burst", 150*mb + 200<<10, true},
		{"quiet again: already returned", 150*mb + 400<<10, false},
		{"small activity adds up but stays below a burst", 160 * mb, false},
		{"quiet, still no new burst", 160*mb + 100<<10, false},
		{"a second burst", 200 * mb, false},
		{"quiet after it", 200*mb + 10<<10, true},
	}
	for _, s := range steps {
		if got := r.due(s.allocs); got != s.want {
			t.Fatalf("%s: due = %v, want %v", s.name, got, s.want)
		}
	}
}
