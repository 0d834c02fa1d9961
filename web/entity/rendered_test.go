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
		Content: "<p>post 1 of the read-path benchmark, with a link <a href=\"https://example.com/1\">https://example.com/1</a></p>",
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
