package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Which sightings of a known remote emoji make its image be copied again:
// a later `updated`, or another image not dated older; never the same one
// again, an older one, or an undated sighting of the same image.
func TestUpsertRemoteEmojisRefresh(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		upsert := func(url string, updated time.Time) {
			t.Helper()
			e := &db.CustomEmoji{Shortcode: "blobcat", Domain: "remote.example", ImageRemoteURL: url, UpdatedAt: updated}
			if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.UpsertRemoteEmojis(ctx, []*db.CustomEmoji{e}) }); err != nil {
				t.Fatal(err)
			}
		}
		// pending copies the image as the job would and reports whether it
		// had one to copy.
		pending := func() bool {
			t.Helper()
			list, err := store.RemoteEmojisToCopy(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range list {
				if ok, err := store.ClaimEmojiCopy(ctx, e.ID, e.ImageRemoteURL); err != nil || !ok {
					t.Fatalf("claim: %v %v", ok, err)
				}
				if _, err := store.SetEmojiCopied(ctx, e.ID, e.ImageRemoteURL, "emoji/k/"+e.ImageRemoteURL[len(e.ImageRemoteURL)-5:], "", "image/png"); err != nil {
					t.Fatal(err)
				}
			}
			return len(list) == 1
		}
		upsert("https://remote.example/a.png", base)
		if !pending() {
			t.Fatal("a new emoji is not copied")
		}
		for _, c := range []struct {
			name    string
			url     string
			updated time.Time
			copy    bool
		}{
			{"same again", "https://remote.example/a.png", base, false},
			{"same, undated", "https://remote.example/a.png", time.Time{}, false},
			{"same, later", "https://remote.example/a.png", base.Add(time.Hour), true},
			{"another, older", "https://remote.example/b.png", base, false},
			{"another, same date", "https://remote.example/b.png", base.Add(time.Hour), true},
			{"another, undated", "https://remote.example/c.png", time.Time{}, true},
			{"back to b, older", "https://remote.example/b.png", base.Add(2 * time.Hour), false},
		} {
			upsert(c.url, c.updated)
			if got := pending(); got != c.copy {
				t.Errorf("%s: copied %v, want %v", c.name, got, c.copy)
			}
		}
	})
}
