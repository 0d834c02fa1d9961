package db

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// IDs are 64-bit and time-ordered: milliseconds since the Unix epoch in the
// high 48 bits, then a 5-bit node tag and an 11-bit sequence. Rendered as
// decimal strings they have the same length for centuries, so clients that
// compare IDs by (length, then text) order them by time.
const (
	seqBits  = 11
	nodeBits = 5
	seqMask  = 1<<seqBits - 1
	nodeMask = 1<<nodeBits - 1
)

// IDGenerator mints IDs. Safe for concurrent use.
type IDGenerator struct {
	mu     sync.Mutex
	lastMs int64
	seq    int64
	node   int64
	// past counts IDs minted for past times (remote statuses), spreading them.
	past int64
}

// NewIDGenerator returns a generator with a random node tag (SQLite has one
// process; PostgreSQL replaces the tag with a database-assigned one).
func NewIDGenerator() *IDGenerator {
	return &IDGenerator{node: rand.Int64N(nodeMask + 1)}
}

// SetNodeTag sets the node tag (only the low 5 bits count).
func (g *IDGenerator) SetNodeTag(tag uint16) {
	g.mu.Lock()
	g.node = int64(tag) & nodeMask
	g.mu.Unlock()
}

// Next returns a new ID for the current time, strictly greater than any
// earlier one from this generator.
func (g *IDGenerator) Next() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := time.Now().UnixMilli()
	if ms <= g.lastMs {
		ms = g.lastMs
		g.seq++
		if g.seq > seqMask {
			// 2048 IDs in one millisecond: borrow the next millisecond.
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.lastMs = ms
	return ms<<(seqBits+nodeBits) | g.node<<seqBits | g.seq
}

// At returns an ID for a moment in the past (a remote status's publication
// time), so timelines order by when things were written. Future times are
// clamped to now.
func (g *IDGenerator) At(t time.Time) int64 {
	ms := t.UnixMilli()
	if nowMs := time.Now().UnixMilli(); ms >= nowMs || ms <= 0 {
		return g.Next()
	}
	g.mu.Lock()
	g.past++
	seq := g.past & seqMask
	node := g.node
	g.mu.Unlock()
	return ms<<(seqBits+nodeBits) | node<<seqBits | seq
}

// MinIDAt is the smallest possible ID at time t (for "since" queries by time).
func MinIDAt(t time.Time) int64 { return t.UnixMilli() << (seqBits + nodeBits) }

// IDTime is the time an ID was minted at.
func IDTime(id int64) time.Time { return time.UnixMilli(id >> (seqBits + nodeBits)).UTC() }

// FormatID renders an ID for the API.
func FormatID(id int64) string { return strconv.FormatInt(id, 10) }

// ParseID parses an API ID; ok is false for anything that is not a positive int64.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
