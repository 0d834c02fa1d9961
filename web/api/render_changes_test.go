package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/entity"
)

// What a rendered status shows follows every change on the next request —
// a changed display name and avatar, an edit, new favourite, boost and poll
// vote counts, a changed attachment description (and its undoing, which
// puts the old updated_at back), a remote attachment's copy, a custom emoji
// removed, a deletion — in the home timeline and the single status, on the
// node that made the change and on a second process on the same database
// (PostgreSQL or SQLite file). The presenter keeps what every viewer sees
// of a status (entity.renderedCache): each step fails when its part of the
// fingerprint is left out. Per-viewer fields stay the viewer's own:
// carol's favourite is not bob's, and an anonymous reader has none. (A card
// that arrives later: TestCardMemoSeesCards.)
func TestRenderedStatusSeesChanges(t *testing.T) {
	ctx := context.Background()
	nodeA := kontortest.Start(t, kontortest.Options{Configure: plNoLimits})
	nodes := []*kontortest.Instance{nodeA, kontortest.Start(t, kontortest.Options{NodeOf: nodeA, Configure: plNoLimits})}
	alice, bob, carol := nodeA.CreateUser("alice"), nodeA.CreateUser("bob"), nodeA.CreateUser("carol")
	if _, err := nodeA.Engine().Follow(ctx, bob.Account, alice.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	media := stMedia(t, nodeA, alice)
	pic := nodeA.Post(alice, activitypub.PostParams{Text: "a picture", Visibility: db.Public, MediaIDs: []int64{media.ID}})
	poll, _ := plPost(t, nodeA, alice, db.Public, false, "which?", "this", "that")
	if err := nodeA.DB.InsertLocalEmoji(ctx, &db.CustomEmoji{Shortcode: "blob", FileKey: "emoji/blob.png", ContentType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	blob := nodeA.Post(alice, activitypub.PostParams{Text: "hello :blob:", Visibility: db.Public})

	// rendered reads status id as u on node n: from u's home timeline and
	// from GET /api/v1/statuses/:id, which must agree (nil: not there).
	type rendered map[string]any
	read := func(n *kontortest.Instance, u *kontortest.User, id int64) (fromHome, single rendered) {
		t.Helper()
		auth := "Authorization: Bearer " + u.Token
		resp, body := n.Get("/api/v1/timelines/home?limit=40", auth)
		var home []rendered
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &home) != nil {
			t.Fatalf("home: %d %s", resp.StatusCode, body)
		}
		for _, s := range home {
			if s["id"] == db.FormatID(id) {
				fromHome = s
			}
		}
		resp, body = n.Get("/api/v1/statuses/"+db.FormatID(id), auth)
		if resp.StatusCode == http.StatusOK && json.Unmarshal(body, &single) != nil {
			t.Fatalf("status: %s", body)
		}
		return fromHome, single
	}
	// expect reads on every node until both renderings of id satisfy want:
	// at once on node A, which made the change; within seconds on the other.
	expect := func(what string, u *kontortest.User, id int64, want func(rendered) bool) {
		t.Helper()
		for i, n := range nodes {
			deadline := time.Now().Add(5 * time.Second)
			for {
				h, s := read(n, u, id)
				if want(h) && want(s) {
					break
				}
				if i == 0 || time.Now().After(deadline) {
					t.Fatalf("%s: node %d shows home %v, status %v", what, i, h, s)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	field := func(path ...string) func(rendered) any {
		return func(r rendered) any {
			var v any = map[string]any(r)
			for _, k := range path {
				m, ok := v.(map[string]any)
				if !ok {
					return nil
				}
				v = m[k]
			}
			return v
		}
	}
	is := func(get func(rendered) any, want any) func(rendered) bool {
		return func(r rendered) bool { return r != nil && get(r) == want }
	}

	// Fill every cache first.
	expect("before", bob, pic.ID, is(field("favourites_count"), 0.0))
	expect("before", bob, poll.ID, is(field("poll", "votes_count"), 0.0))
	emojis := func(r rendered) int { list, _ := field("emojis")(r).([]any); return len(list) }
	expect("before", bob, blob.ID, func(r rendered) bool { return r != nil && emojis(r) == 1 })
	defaultAvatar := nodeA.URL + entity.DefaultAvatarPath
	expect("before", bob, pic.ID, is(field("account", "avatar"), defaultAvatar))

	resp, body := nodeA.Do(http.MethodPatch, "/api/v1/accounts/update_credentials",
		[]byte(url.Values{"display_name": {"Alice A."}}.Encode()),
		"Authorization: Bearer "+alice.Token, "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update_credentials: %d %s", resp.StatusCode, body)
	}
	expect("changed display name", bob, pic.ID, is(field("account", "display_name"), "Alice A."))

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, _ := mw.CreateFormFile("avatar", "a.png")
	part.Write(acctPNG(t, 48, 48))
	mw.Close()
	resp, body = nodeA.Do(http.MethodPatch, "/api/v1/accounts/update_credentials", form.Bytes(),
		"Authorization: Bearer "+alice.Token, "Content-Type: "+mw.FormDataContentType())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update_credentials avatar: %d %s", resp.StatusCode, body)
	}
	expect("changed avatar", bob, pic.ID, func(r rendered) bool {
		avatar, _ := field("account", "avatar")(r).(string)
		return avatar != "" && avatar != defaultAvatar
	})

	if _, err := nodeA.Engine().EditStatus(ctx, alice.Account, pic.ID,
		activitypub.PostParams{Text: "a better picture", Visibility: db.Public, MediaIDs: []int64{media.ID}}); err != nil {
		t.Fatal(err)
	}
	expect("edited status", bob, pic.ID, is(field("content"), "<p>a better picture</p>"))

	if _, err := nodeA.Engine().Favourite(ctx, carol.Account, pic.ID); err != nil {
		t.Fatal(err)
	}
	expect("favourite count", bob, pic.ID, is(field("favourites_count"), 1.0))
	expect("another's favourite is not bob's", bob, pic.ID, is(field("favourited"), false))
	expect("carol's own favourite", carol, pic.ID, func(r rendered) bool {
		// carol follows nobody: only the single status renders for her.
		return r == nil || r["favourited"] == true
	})

	if _, err := nodeA.Engine().Reblog(ctx, carol.Account, pic.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	expect("boost count", bob, pic.ID, is(field("reblogs_count"), 1.0))
	expect("another's boost is not bob's", bob, pic.ID, is(field("reblogged"), false))

	if _, err := nodeA.Engine().Vote(ctx, carol.Account, *poll.PollID, []int{1}); err != nil {
		t.Fatal(err)
	}
	expect("poll vote count", bob, poll.ID, is(field("poll", "votes_count"), 1.0))
	expect("another's vote is not bob's", bob, poll.ID, is(field("poll", "voted"), false))

	if _, err := nodeA.DB.SetStatusMediaAttributes(ctx, alice.Account.ID, media.ID, db.MediaAttributes{Description: "a harbour at dusk"}); err != nil {
		t.Fatal(err)
	}
	expect("media description", bob, pic.ID, func(r rendered) bool {
		list, _ := field("media_attachments")(r).([]any)
		return len(list) == 1 && list[0].(map[string]any)["description"] == "a harbour at dusk"
	})

	description := func(r rendered) any {
		list, _ := field("media_attachments")(r).([]any)
		if len(list) != 1 {
			return "no attachment"
		}
		return list[0].(map[string]any)["description"]
	}
	before, err := nodeA.DB.SetStatusMediaAttributes(ctx, alice.Account.ID, media.ID, db.MediaAttributes{Description: "a harbour at night"})
	if err != nil {
		t.Fatal(err)
	}
	expect("media description again", bob, pic.ID, func(r rendered) bool { return r != nil && description(r) == "a harbour at night" })
	if err := nodeA.DB.RestoreMediaAttributes(ctx, before); err != nil { // as a failed edit does
		t.Fatal(err)
	}
	expect("media description restored", bob, pic.ID, func(r rendered) bool { return r != nil && description(r) == "a harbour at dusk" })

	copied := *media
	copied.FileKey, copied.PreviewKey = "media/copied.png", "media/copied-small.png"
	if err := nodeA.DB.SetMediaCached(ctx, &copied); err != nil {
		t.Fatal(err)
	}
	expect("remote attachment copied", bob, pic.ID, func(r rendered) bool {
		list, _ := field("media_attachments")(r).([]any)
		u, _ := list[0].(map[string]any)["url"].(string)
		return len(list) == 1 && strings.HasSuffix(u, "/media/copied.png")
	})

	if _, err := nodeA.DB.DeleteLocalEmoji(ctx, "blob"); err != nil {
		t.Fatal(err)
	}
	expect("custom emoji removed", bob, blob.ID, func(r rendered) bool { return r != nil && emojis(r) == 0 })

	// An anonymous reader of the public timeline after bob: no per-viewer field.
	for _, n := range nodes {
		resp, body := n.Get("/api/v1/timelines/public?limit=40")
		var page []rendered
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page) == 0 {
			t.Fatalf("public: %d %s", resp.StatusCode, body)
		}
		for _, r := range page {
			for _, k := range []string{"favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered"} {
				if _, ok := r[k]; ok {
					t.Errorf("anonymous reader sees %q of %v", k, r["id"])
				}
			}
		}
	}

	if _, err := nodeA.Engine().DeleteStatus(ctx, alice.Account, pic.ID); err != nil {
		t.Fatal(err)
	}
	expect("deleted status", bob, pic.ID, func(r rendered) bool { return r == nil })
}
