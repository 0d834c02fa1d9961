package resolve_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub/resolve"
)

// The first key lookup of an actor never seen reads its account row once
// by key id (the stored key, not there) and once by URI (its handle's
// domain), inserts it without a third read, and writes its emojis only
// when it has some. The account it stored is noted for the caller as the
// store would return it.
func TestNewActorStoredWithoutRereads(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		queries := e.db.RecordQueries()
		for _, c := range []struct {
			name       string
			emoji      bool
			emojiWrite bool
		}{
			{"without emojis", false, false},
			{"with an emoji", true, true},
		} {
			username := strings.ReplaceAll(c.name, " ", "")
			doc := mastodonActor(e.peer.URL, username, testKey(1))
			if c.emoji {
				doc["tag"] = []any{map[string]any{"type": "Emoji", "name": ":blob:",
					"icon": map[string]any{"type": "Image", "url": e.peer.URL + "/emoji/blob.png"}}}
			}
			e.peer.json("/users/"+username, doc)
			queries()
			noteCtx, noted := resolve.NoteStoredActor(context.Background())
			_, owner, err := e.r.PublicKey(noteCtx, e.peer.URL+"/users/"+username+"#main-key", false)
			if err != nil {
				t.Fatal(err)
			}
			byKeyID, byURI, emojiWrites := 0, 0, 0
			for _, q := range queries() {
				switch {
				case strings.Contains(q, `FROM "accounts" AS "a" WHERE (public_key_id =`):
					byKeyID++
				case strings.Contains(q, `FROM "accounts" AS "a" WHERE (uri =`):
					byURI++
				case strings.Contains(q, "account_emojis"):
					emojiWrites++
				}
			}
			if byKeyID != 1 || byURI != 1 || (emojiWrites > 0) != c.emojiWrite {
				t.Errorf("%s: %d reads by key id, %d by URI (want 1 each), %d emoji writes", c.name, byKeyID, byURI, emojiWrites)
			}
			stored, err := e.db.AccountByURI(context.Background(), owner)
			if err != nil {
				t.Fatal(err)
			}
			got := noted()
			if got == nil {
				t.Fatalf("%s: nothing noted", c.name)
			}
			// The same times, as the store returns them (location, precision).
			if !got.CreatedAt.Equal(stored.CreatedAt) || !got.UpdatedAt.Equal(stored.UpdatedAt) || got.FetchedAt == nil || !got.FetchedAt.Equal(*stored.FetchedAt) {
				t.Errorf("%s: noted times %v %v %v, stored %v %v %v", c.name, got.CreatedAt, got.UpdatedAt, got.FetchedAt, stored.CreatedAt, stored.UpdatedAt, stored.FetchedAt)
			}
			got.CreatedAt, got.UpdatedAt, got.FetchedAt = stored.CreatedAt, stored.UpdatedAt, stored.FetchedAt
			if !reflect.DeepEqual(got, stored) {
				t.Errorf("%s: noted %+v\nstored %+v", c.name, got, stored)
			}
		}
	})
}
