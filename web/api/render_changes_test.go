package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// What a rendered status shows follows every change on the next request —
// a changed display name, an edit, new favourite, boost and poll vote
// counts, a changed attachment description, a deletion — in the home
// timeline and the single status, on the node that made the change and on
// a second process on the same PostgreSQL. Per-viewer fields stay the
// viewer's own: carol's favourite is not bob's.
func TestRenderedStatusSeesChanges(t *testing.T) {
	ctx := context.Background()
	nodeA := kontortest.Start(t, kontortest.Options{Configure: plNoLimits})
	nodes := []*kontortest.Instance{nodeA}
	if kontortest.Dialect() == db.Postgres {
		nodes = append(nodes, kontortest.Start(t, kontortest.Options{NodeOf: nodeA, Configure: plNoLimits}))
	}
	alice, bob, carol := nodeA.CreateUser("alice"), nodeA.CreateUser("bob"), nodeA.CreateUser("carol")
	if _, err := nodeA.Engine().Follow(ctx, bob.Account, alice.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	media := stMedia(t, nodeA, alice)
	pic := nodeA.Post(alice, activitypub.PostParams{Text: "a picture", Visibility: db.Public, MediaIDs: []int64{media.ID}})
	poll, _ := plPost(t, nodeA, alice, db.Public, false, "which?", "this", "that")

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

	resp, body := nodeA.Do(http.MethodPatch, "/api/v1/accounts/update_credentials",
		[]byte(url.Values{"display_name": {"Alice A."}}.Encode()),
		"Authorization: Bearer "+alice.Token, "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update_credentials: %d %s", resp.StatusCode, body)
	}
	expect("changed display name", bob, pic.ID, is(field("account", "display_name"), "Alice A."))

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

	if _, err := nodeA.Engine().DeleteStatus(ctx, alice.Account, pic.ID); err != nil {
		t.Fatal(err)
	}
	expect("deleted status", bob, pic.ID, func(r rendered) bool { return r == nil })
}
