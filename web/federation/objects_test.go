package federation_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	return m
}

// TestObjectsRespectVisibility: ActivityPub GETs show each viewer (the
// signer) only what it may see.
func TestObjectsRespectVisibility(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	follower := remote.Actor("follower")
	stranger := remote.Actor("stranger")
	follower.FollowLocal(in, alice)

	public := in.Post(alice, activitypub.PostParams{Text: "public", Visibility: db.Public})
	unlisted := in.Post(alice, activitypub.PostParams{Text: "unlisted", Visibility: db.Unlisted})
	private := in.Post(alice, activitypub.PostParams{Text: "followers only", Visibility: db.Private})
	direct := in.Post(alice, activitypub.PostParams{Text: "secret", Visibility: db.Direct})

	get := func(who *kontortest.FakeActor, uri string) int {
		if who == nil {
			resp, _ := in.Get(strings.TrimPrefix(uri, in.URL), "Accept: application/activity+json")
			return resp.StatusCode
		}
		status, _ := who.SignedGet(uri)
		return status
	}
	cases := []struct {
		status *db.Status
		anon   int
		fol    int
		str    int
	}{
		{public, 200, 200, 200},
		{unlisted, 200, 200, 200},
		{private, 404, 200, 404},
		{direct, 404, 404, 404},
	}
	for _, c := range cases {
		if got := get(nil, c.status.URI); got != c.anon {
			t.Errorf("%s anonymous: %d, want %d", c.status.Text, got, c.anon)
		}
		if got := get(follower, c.status.URI); got != c.fol {
			t.Errorf("%s follower: %d, want %d", c.status.Text, got, c.fol)
		}
		if got := get(stranger, c.status.URI); got != c.str {
			t.Errorf("%s stranger: %d, want %d", c.status.Text, got, c.str)
		}
	}

	// The outbox lists what the viewer may see.
	resp, body := in.Get("/users/alice/outbox", "Accept: application/activity+json")
	outbox := decode(t, body)
	if resp.StatusCode != 200 || outbox["type"] != "OrderedCollection" || outbox["totalItems"].(float64) != 2 {
		t.Errorf("outbox: %d %s", resp.StatusCode, body)
	}
	_, body = in.Get("/users/alice/outbox?page=true", "Accept: application/activity+json")
	if s := string(body); !strings.Contains(s, "unlisted") || strings.Contains(s, "followers only") || strings.Contains(s, "secret") {
		t.Errorf("anonymous outbox page: %s", s)
	}
	_, body = follower.SignedGet(in.URL + "/users/alice/outbox?page=true")
	if s := string(body); !strings.Contains(s, "followers only") || strings.Contains(s, "secret") {
		t.Errorf("follower's outbox page: %s", s)
	}

	// Collections count followers; a hidden collection lists nobody.
	_, body = in.Get("/users/alice/followers", "Accept: application/activity+json")
	if f := decode(t, body); f["totalItems"].(float64) != 1 || f["first"] == nil {
		t.Errorf("followers: %s", body)
	}
	_, body = in.Get("/users/alice/followers?page=true", "Accept: application/activity+json")
	if !strings.Contains(string(body), follower.ID) {
		t.Errorf("followers page lacks the follower: %s", body)
	}
	alice.Account.HideCollections = true
	if err := in.DB.UpdateAccountProfile(ctx, alice.Account); err != nil {
		t.Fatal(err)
	}
	_, body = in.Get("/users/alice/followers?page=true", "Accept: application/activity+json")
	if strings.Contains(string(body), follower.ID) {
		t.Errorf("hidden followers listed: %s", body)
	}

	// The Create of a private status follows the status's visibility.
	resp, _ = in.Get(strings.TrimPrefix(private.URI, in.URL)+"/activity", "Accept: application/activity+json")
	if resp.StatusCode != 404 {
		t.Errorf("anonymous GET of a private Create: %d", resp.StatusCode)
	}
	// Browsers are sent to the HTML page.
	resp, _ = in.Get(strings.TrimPrefix(public.URI, in.URL), "Accept: text/html")
	if resp.StatusCode != 302 || !strings.Contains(resp.Header.Get("Location"), "/@alice/") {
		t.Errorf("browser GET of a status: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestFollowActivityIsDereferenceable: honk and snac Accept a Follow by its
// id alone, then fetch it.
func TestFollowActivityIsDereferenceable(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	honk := remote.Actor("honk")
	target, err := in.Engine().Resolver().Actor(ctx, honk.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := in.Engine().Follow(ctx, alice.Account, target, activitypub.FollowOptions{ShowReblogs: true})
	if err != nil {
		t.Fatal(err)
	}
	status, body := honk.SignedGet(f.URI)
	if status != 200 {
		t.Fatalf("GET %s: %d", f.URI, status)
	}
	doc := decode(t, body)
	if doc["type"] != "Follow" || doc["id"] != f.URI || doc["object"] != honk.ID {
		t.Errorf("follow document: %s", body)
	}
	// An Accept naming only the id completes the follow.
	honk.SignedPost(in.URL+"/inbox", honk.Activity("Accept", "accepts/1", f.URI, nil))
	kontortest.Eventually(t, kontortest.Wait, "the follow to be accepted", func() bool {
		got, err := in.DB.FollowBetween(ctx, alice.Account.ID, target.ID)
		return err == nil && got.Accepted
	})
	// A Block is shown only to the blocked actor.
	other := remote.Actor("other")
	otherAcct, _ := in.Engine().Resolver().Actor(ctx, other.ID, false)
	if err := in.Engine().Block(ctx, alice.Account, otherAcct); err != nil {
		t.Fatal(err)
	}
	var blockURI string
	kontortest.Eventually(t, kontortest.Wait, "the Block at the fake server", func() bool {
		for _, r := range remote.Received() {
			d := decode(t, r.Body)
			if d["type"] == "Block" {
				blockURI, _ = d["id"].(string)
				return true
			}
		}
		return false
	})
	if status, _ := other.SignedGet(blockURI); status != 200 {
		t.Errorf("the blocked actor cannot see its Block: %d", status)
	}
	if status, _ := honk.SignedGet(blockURI); status != 404 {
		t.Errorf("a third party sees the Block: %d", status)
	}
}

// TestAuthorizedFetch: GETs need a signature, except what verifying one needs.
func TestAuthorizedFetch(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.AuthorizedFetch = true }})
	alice := in.CreateUser("alice")
	post := in.Post(alice, activitypub.PostParams{Text: "hello", Visibility: db.Public})
	remote := kontortest.NewFakeServer(t)
	peer := remote.Actor("peer")

	for _, path := range []string{"/users/alice/outbox", "/users/alice/followers", strings.TrimPrefix(post.URI, in.URL)} {
		resp, _ := in.Get(path, "Accept: application/activity+json")
		if resp.StatusCode != 401 {
			t.Errorf("unsigned GET %s: %d, want 401", path, resp.StatusCode)
		}
		if status, _ := peer.SignedGet(in.URL + path); status != 200 {
			t.Errorf("signed GET %s: %d, want 200", path, status)
		}
	}
	_, body := in.Get("/users/alice", "Accept: application/activity+json")
	doc := decode(t, body)
	if doc["publicKey"] == nil || doc["followers"] != nil {
		t.Errorf("unsigned actor fetch must give the key only: %s", body)
	}
	_, body = peer.SignedGet(in.URL + "/users/alice")
	if doc := decode(t, body); doc["followers"] == nil {
		t.Errorf("signed actor fetch must give everything: %s", body)
	}
	if resp, _ := in.Get("/actor", "Accept: application/activity+json"); resp.StatusCode != 200 {
		t.Errorf("instance actor must stay public: %d", resp.StatusCode)
	}
}
