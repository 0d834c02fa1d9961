package db

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestIDsAreTimeOrderedAndUnique(t *testing.T) {
	g := NewIDGenerator()
	const n = 20000
	var mu sync.Mutex
	seen := make(map[int64]bool, n)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(0)
			for range n / 4 {
				id := g.Next()
				if id <= last {
					t.Errorf("id %d not greater than previous %d", id, last)
					return
				}
				last = id
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate id %d", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestIDTimeAndStringOrder(t *testing.T) {
	g := NewIDGenerator()
	before := time.Now().Add(-time.Millisecond)
	id := g.Next()
	if got := IDTime(id); got.Before(before.Truncate(time.Millisecond)) || got.After(time.Now()) {
		t.Errorf("IDTime(%d) = %v, not about now", id, got)
	}
	// Tusky orders IDs by length, then text: that order must be time order,
	// for IDs of remote statuses from any era too.
	tuskyLess := func(a, b string) bool {
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	}
	var prev string
	for _, year := range []int{1999, 2001, 2017, 2018, 2019, 2024} {
		cur := FormatID(g.At(time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC)))
		if prev != "" && !tuskyLess(prev, cur) {
			t.Errorf("ID %s (year %d) does not sort after %s", cur, year, prev)
		}
		prev = cur
	}
	if !tuskyLess(prev, FormatID(id)) {
		t.Errorf("past ID %s does not sort before %s", prev, FormatID(id))
	}
	future := g.At(time.Now().Add(time.Hour))
	if IDTime(future).After(time.Now().Add(time.Second)) {
		t.Errorf("a future time must be clamped to now, got %v", IDTime(future))
	}
	if MinIDAt(IDTime(id)) > id {
		t.Errorf("MinIDAt(IDTime(id)) = %d > %d", MinIDAt(IDTime(id)), id)
	}
}

func TestParseID(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{{"123", true}, {"0", false}, {"-5", false}, {"abc", false}, {"", false}, {"99999999999999999999", false}, {strconv.FormatInt(1<<62, 10), true}} {
		if _, ok := ParseID(c.in); ok != c.ok {
			t.Errorf("ParseID(%q) ok = %v, want %v", c.in, ok, c.ok)
		}
	}
}
