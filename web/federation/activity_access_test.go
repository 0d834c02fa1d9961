package federation_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// deliveredID waits until the fake server has received an activity of typ
// (whose object, embedded or by id, contains objectPart) and returns its id.
func deliveredID(t *testing.T, fs *kontortest.FakeServer, typ, objectPart string) string {
	t.Helper()
	var id string
	kontortest.Eventually(t, kontortest.Wait, "a delivered "+typ, func() bool {
		for _, r := range fs.Received() {
			var doc map[string]any
			if json.Unmarshal(r.Body, &doc) != nil || doc["type"] != typ {
				continue
			}
			obj, _ := json.Marshal(doc["object"])
			if strings.Contains(string(obj), objectPart) {
				id, _ = doc["id"].(string)
				return true
			}
		}
		return false
	})
	return id
}

// fetchAs GETs an activity id unsigned (as == nil) or signed by as.
func fetchAs(t *testing.T, in *kontortest.Instance, as *kontortest.FakeActor, id string) int {
	t.Helper()
	if as != nil {
		status, _ := as.SignedGet(id)
		return status
	}
	resp, _ := in.Get(strings.TrimPrefix(id, in.URL), "Accept: application/activity+json")
	return resp.StatusCode
}

// An activity document says no more than the client API shows: a Like or
// an Announce only to who may see its object, a Follow, Accept or Reject
// only to its two parties; anyone else gets 404.
func TestActivityDocumentsServedToWhoMaySeeThem(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	carol, erin, mallory := remote.Actor("carol"), remote.Actor("erin"), remote.Actor("mallory")
	inbox := in.URL + "/users/alice/inbox"

	type actors = []*kontortest.FakeActor // a nil entry: unsigned
	check := func(name, id string, allowed, refused actors) {
		t.Helper()
		if id == "" || !strings.HasPrefix(id, in.URL+"/users/alice/") {
			t.Fatalf("%s: id %q", name, id)
		}
		for _, as := range allowed {
			if status := fetchAs(t, in, as, id); status != http.StatusOK {
				t.Errorf("%s as %v: %d, want 200", name, as, status)
			}
		}
		for _, as := range refused {
			if status := fetchAs(t, in, as, id); status != http.StatusNotFound {
				t.Errorf("%s as %v: %d, want 404", name, as, status)
			}
		}
	}

	// alice follows carol, who accepts: a Follow to carol.
	target, err := in.Engine().Resolver().Actor(ctx, carol.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := in.Engine().Follow(ctx, alice.Account, target, activitypub.FollowOptions{ShowReblogs: true})
	if err != nil {
		t.Fatal(err)
	}
	follow := deliveredID(t, remote, "Follow", carol.ID)
	if status, body := carol.SignedPost(inbox, carol.Activity("Accept", "accepts/1", f.URI, nil)); status != 202 {
		t.Fatalf("accept: %d %s", status, body)
	}
	kontortest.Eventually(t, kontortest.Wait, "the follow to be accepted", func() bool {
		f, err := in.DB.FollowBetween(ctx, alice.Account.ID, target.ID)
		return err == nil && f.Accepted
	})
	check("Follow", follow, actors{carol}, actors{nil, mallory, erin})

	// carol's followers-only post, which alice likes and then unlikes.
	note := carol.Note("1", "<p>for my followers</p>", map[string]any{"to": []any{carol.ID + "/followers"}, "cc": []any{}})
	if status, body := carol.SignedPost(inbox, carol.Activity("Create", "creates/1", note, nil)); status != 202 {
		t.Fatalf("create: %d %s", status, body)
	}
	private := in.WaitStatus(carol.ID + "/statuses/1")
	if _, err := in.Engine().Favourite(ctx, alice.Account, private.ID); err != nil {
		t.Fatal(err)
	}
	like := deliveredID(t, remote, "Like", private.URI)
	check("Like of a followers-only post", like, actors{carol}, actors{nil, mallory, erin})
	if _, err := in.Engine().Unfavourite(ctx, alice.Account, private.ID); err != nil {
		t.Fatal(err)
	}
	check("Undo of that Like", deliveredID(t, remote, "Undo", like), actors{carol}, actors{nil, mallory, erin})

	// erin follows alice (accepted at once): an Accept to erin.
	erin.FollowLocal(in, alice)
	check("Accept", deliveredID(t, remote, "Accept", erin.ID), actors{erin}, actors{nil, mallory, carol})

	// alice boosts her own followers-only post (to erin), then unboosts it.
	mine := in.Post(alice, activitypub.PostParams{Text: "followers only", Visibility: db.Private})
	if _, err := in.Engine().Reblog(ctx, alice.Account, mine.ID, db.Private); err != nil {
		t.Fatal(err)
	}
	announce := deliveredID(t, remote, "Announce", mine.URI)
	check("Announce of a followers-only post", announce, actors{erin}, actors{nil, mallory, carol})
	if _, err := in.Engine().Unreblog(ctx, alice.Account, mine.ID); err != nil {
		t.Fatal(err)
	}
	check("Undo of that Announce", deliveredID(t, remote, "Undo", announce), actors{erin}, actors{nil, mallory, carol})

	// A public post's Create stays public.
	public := in.Post(alice, activitypub.PostParams{Text: "hello world", Visibility: db.Public})
	check("Create of a public post", deliveredID(t, remote, "Create", public.URI), actors{nil, mallory, erin}, nil)

	// alice stops following carol, and blocks mallory.
	if err := in.Engine().Unfollow(ctx, alice.Account, target); err != nil {
		t.Fatal(err)
	}
	check("Undo of the Follow", deliveredID(t, remote, "Undo", follow), actors{carol}, actors{nil, mallory, erin})
	blocked, err := in.Engine().Resolver().Actor(ctx, mallory.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Engine().Block(ctx, alice.Account, blocked); err != nil {
		t.Fatal(err)
	}
	check("Block", deliveredID(t, remote, "Block", mallory.ID), actors{mallory}, actors{nil, carol, erin})
}
