package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// anGet calls an analytics endpoint with a token and decodes the answer.
func anGet(t *testing.T, in *kontortest.Instance, token, path string, want int) map[string]any {
	t.Helper()
	resp, body := in.Get(path, "Authorization: Bearer "+token)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, body, want)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

func anJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// anAdmin makes a local admin with a read token.
func anAdmin(t *testing.T, in *kontortest.Instance, name string) *kontortest.User {
	t.Helper()
	a, u, err := in.Engine().CreateLocalAccount(context.Background(), activitypub.NewLocalAccount{
		Username: name, Email: name + "@example.com", Password: "password-" + name, Role: db.RoleAdmin, Confirmed: true, Approved: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := in.DB.CreateToken(context.Background(), db.NewToken{UserID: &u.ID, AccountID: &a.ID, Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	return &kontortest.User{Account: a, User: u, Token: tok.AccessToken}
}

// What deliveries count: alice's post reaches two followers on a server
// with a shared inbox (one delivery), two on a server without (two), one
// whose server refuses it (failed), and a follower on her own server.
func TestAnalyticsDeliveryCounts(t *testing.T) {
	ctx := context.Background()
	a := kontortest.Start(t, kontortest.Options{})
	alice, carol := a.CreateUser("alice"), a.CreateUser("carol")
	if _, err := a.Engine().Follow(ctx, carol.Account, alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	shared, own := kontortest.NewFakeServer(t), kontortest.NewFakeServer(t)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	t.Cleanup(refusing.Close)
	refusingHost := strings.TrimPrefix(refusing.URL, "http://")
	for _, f := range []*kontortest.FakeActor{shared.Actor("x1"), shared.Actor("x2"), own.Actor("y1"), own.Actor("y2"), own.Actor("z1")} {
		if f.Server == own {
			delete(f.Doc, "endpoints")
		}
		if f.Username == "z1" {
			f.Doc["inbox"] = refusing.URL + "/users/z1/inbox"
		}
		f.FollowLocal(a, alice)
	}
	post := a.Post(alice, activitypub.PostParams{Text: "We are hiring", Visibility: db.Public})
	a.DeliveriesDone()

	var sharedPosts, ownPosts []string
	for _, r := range shared.Received() {
		if strings.Contains(string(r.Body), `"Create"`) {
			sharedPosts = append(sharedPosts, r.Path)
		}
	}
	for _, r := range own.Received() {
		if strings.Contains(string(r.Body), `"Create"`) {
			ownPosts = append(ownPosts, r.Path)
		}
	}
	if anJSON(sharedPosts) != `["/inbox"]` || len(ownPosts) != 2 {
		t.Fatalf("the post reached %v and %v", sharedPosts, ownPosts)
	}
	got := anGet(t, a, alice.Token, "/api/v1/kontor/analytics/statuses/"+db.FormatID(post.ID), http.StatusOK)
	if d := anJSON(got["deliveries"]); d != `{"failed":1,"local_followers":1,"pending":0,"reached":4,"remote_inboxes":3}` {
		t.Errorf("deliveries %s", d)
	}
	wantReach := `[{"activities":1,"delivered":2,"failed":0,"host":"` + own.Host + `"},{"activities":1,"delivered":1,"failed":0,"host":"` + shared.Host +
		`"},{"activities":0,"delivered":0,"failed":1,"host":"` + refusingHost + `"}]`
	if r := anJSON(got["reach"]); r != wantReach {
		t.Errorf("reach of the post\n got %s\nwant %s", r, wantReach)
	}
	acc := anGet(t, a, alice.Token, "/api/v1/kontor/analytics/accounts/"+db.FormatID(alice.Account.ID), http.StatusOK)
	if r := anJSON(acc["reach"]); r != wantReach {
		t.Errorf("reach of the account\n got %s\nwant %s", r, wantReach)
	}
	if acc["followers_count"] != 6.0 {
		t.Errorf("followers_count %v", acc["followers_count"])
	}
}

// Who sees what: the owner everything, an admin the numbers (not the text
// of followers-only posts), a stranger nothing, and nobody direct
// messages, boosts or remote accounts; bad parameters are named.
func TestAnalyticsAccess(t *testing.T) {
	ctx := context.Background()
	a := kontortest.Start(t, kontortest.Options{})
	alice, carol, mallory := a.CreateUser("alice"), a.CreateUser("carol"), a.CreateUser("mallory")
	root := anAdmin(t, a, "root")
	if _, err := a.Engine().Follow(ctx, carol.Account, alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	fake := kontortest.NewFakeServer(t)
	remote := fake.Actor("remote")
	remote.FollowLocal(a, alice)
	remoteOnA, err := a.DB.AccountByURI(ctx, remote.ID)
	if err != nil {
		t.Fatal(err)
	}
	public := a.Post(alice, activitypub.PostParams{Text: "Public news", Visibility: db.Public})
	private := a.Post(alice, activitypub.PostParams{Text: "For followers", Visibility: db.Private})
	dm := a.Post(alice, activitypub.PostParams{Text: "@carol psst", Visibility: db.Direct})
	boost, err := a.Engine().Reblog(ctx, carol.Account, public.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine().Favourite(ctx, carol.Account, private.ID); err != nil {
		t.Fatal(err)
	}
	a.DeliveriesDone()
	acct := "/api/v1/kontor/analytics/accounts/" + db.FormatID(alice.Account.ID)
	st := func(s *db.Status) string { return "/api/v1/kontor/analytics/statuses/" + db.FormatID(s.ID) }

	owner := anGet(t, a, alice.Token, acct, http.StatusOK)
	if tot := anJSON(owner["totals"]); tot != `{"boosts":1,"deliveries":{"failed":0,"local_followers":2,"pending":0,"reached":4,"remote_inboxes":2},"engagement":2,"favourites":1,"posts":2,"replies":0}` {
		t.Errorf("totals %s (the direct message is no post)", tot)
	}
	excerpts := func(rep map[string]any) map[string]string {
		out := map[string]string{}
		for _, p := range rep["top_posts"].([]any) {
			p := p.(map[string]any)
			out[p["id"].(string)] = p["excerpt"].(string)
		}
		return out
	}
	if e := excerpts(owner); len(e) != 2 || e[db.FormatID(public.ID)] != "Public news" || e[db.FormatID(private.ID)] != "For followers" {
		t.Errorf("owner's excerpts %v", e)
	}
	admin := anGet(t, a, root.Token, acct, http.StatusOK)
	if e := excerpts(admin); len(e) != 2 || e[db.FormatID(public.ID)] != "Public news" || e[db.FormatID(private.ID)] != "" {
		t.Errorf("admin's excerpts %v", e)
	}
	if p := anGet(t, a, root.Token, st(private), http.StatusOK); p["excerpt"] != "" || p["favourites"] != 1.0 || p["visibility"] != "private" {
		t.Errorf("admin's view of the private post: %v", p)
	}
	if p := anGet(t, a, alice.Token, acct+"?limit=1", http.StatusOK); len(p["top_posts"].([]any)) != 1 {
		t.Errorf("limit=1: %v", p["top_posts"])
	}

	for _, c := range []struct {
		name, token, path string
		want              int
	}{
		{"a stranger, an account", mallory.Token, acct, http.StatusForbidden},
		{"a stranger, a public post", mallory.Token, st(public), http.StatusForbidden},
		{"a stranger, a post they cannot see", mallory.Token, st(private), http.StatusNotFound},
		{"a follower, the followers-only post", carol.Token, st(private), http.StatusForbidden},
		{"the owner, a direct message", alice.Token, st(dm), http.StatusNotFound},
		{"the owner, someone's boost of her post", alice.Token, st(boost), http.StatusNotFound},
		{"the booster, her boost", carol.Token, st(boost), http.StatusNotFound},
		{"alice, another user's account", alice.Token, "/api/v1/kontor/analytics/accounts/" + db.FormatID(mallory.Account.ID), http.StatusForbidden},
		{"an admin, a remote account", root.Token, "/api/v1/kontor/analytics/accounts/" + db.FormatID(remoteOnA.ID), http.StatusNotFound},
		{"an unknown account", alice.Token, "/api/v1/kontor/analytics/accounts/12345", http.StatusNotFound},
		{"a malformed account id", alice.Token, "/api/v1/kontor/analytics/accounts/alice", http.StatusNotFound},
		{"an unknown status", alice.Token, "/api/v1/kontor/analytics/statuses/12345", http.StatusNotFound},
		{"a bad since", alice.Token, acct + "?since=last-week", http.StatusUnprocessableEntity},
		{"until before since", alice.Token, acct + "?since=2026-02-01&until=2026-01-01", http.StatusUnprocessableEntity},
		{"a period of ten years", alice.Token, st(public) + "?since=2016-01-01&until=2026-01-01", http.StatusUnprocessableEntity},
		{"a bad limit", alice.Token, acct + "?limit=many", http.StatusUnprocessableEntity},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := anGet(t, a, c.token, c.path, c.want)
			msg, _ := e["error"].(string)
			if msg == "" {
				t.Errorf("no error message: %v", e)
			}
			if c.want == http.StatusUnprocessableEntity {
				field := map[string]string{"a bad since": "since", "until before since": "until", "a period of ten years": "until", "a bad limit": "limit"}[c.name]
				if !strings.Contains(msg, field) {
					t.Errorf("%q does not name %s", msg, field)
				}
			}
		})
	}
	// An app token (no user) is not a viewer either.
	app, err := a.DB.CreateToken(ctx, db.NewToken{Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := a.Get(acct, "Authorization: Bearer "+app.AccessToken); resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		t.Errorf("app token: %d", resp.StatusCode)
	}
}
