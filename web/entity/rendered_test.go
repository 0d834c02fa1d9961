package entity

import (
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// The fingerprint of a page's status is computed on every request.
//
//	go test ./web/entity -run '^$' -bench Fingerprint
func BenchmarkFingerprint(b *testing.B) {
	now := time.Now()
	s := &db.Status{ID: 117741227887706112, URI: "https://example.com/users/alice/statuses/117741227887706112",
		Content:   "<p>post 1 of the read-path benchmark, with a link <a href=\"https://example.com/1\">https://example.com/1</a></p>",
		CreatedAt: now, UpdatedAt: now, HasMedia: true,
		Account: &db.Account{ID: 117741227816534016, Username: "alice", URI: "https://example.com/users/alice", DisplayName: "Alice",
			Fields: []db.Field{{Name: "site", Value: "https://alice.example"}}, CreatedAt: now, UpdatedAt: now}}
	media := []*db.MediaAttachment{{ID: 1, Kind: "image", RemoteURL: "https://example.com/a.png", Description: "a harbour", UpdatedAt: now,
		Meta: db.MediaMeta{Original: &db.MediaDimensions{Width: 640, Height: 480}}}}
	c := newRenderedCache()
	for b.Loop() {
		c.fingerprint(s, media)
	}
}

// An entry is served only under its fingerprint and within renderedTTL,
// and the cache holds at most two generations, keeping what is still read.
func TestRenderedCacheBounds(t *testing.T) {
	c := newRenderedCache()
	c.put(1, 11, Status{ID: "1"})
	if c.get(1, 11) == nil || c.get(1, 12) != nil {
		t.Fatal("an entry is served under its own fingerprint only")
	}
	c.cur[1].at = time.Now().Add(-renderedTTL)
	if c.get(1, 11) != nil {
		t.Fatal("an entry older than renderedTTL is served")
	}
	c.put(1, 11, Status{ID: "1"})
	for id := int64(2); id <= 3*renderedEntries; id++ {
		c.put(id, 0, Status{})
		if id%renderedEntries == 0 && c.get(1, 11) == nil { // read once per generation
			t.Fatalf("a status read on every generation was dropped (at %d)", id)
		}
	}
	if n := len(c.cur) + len(c.prev); n > 2*renderedEntries {
		t.Errorf("%d entries kept", n)
	}
	if c.get(2, 0) != nil {
		t.Error("a status not read for two generations is kept")
	}
}
