package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// miscWorld is one running instance and helpers for the tests of the
// notifications, markers, lists, filters, tags, search, instance,
// conversations and misc endpoints.
type miscWorld struct {
	t  *testing.T
	in *kontortest.Instance
}

func newMiscWorld(t *testing.T) *miscWorld {
	t.Helper()
	return &miscWorld{t: t, in: kontortest.Start(t, kontortest.Options{})}
}

// client is a go-mastodon client acting as u.
func (w *miscWorld) client(u *kontortest.User) *mastodon.Client {
	return mastodon.NewClient(&mastodon.Config{Server: w.in.URL, AccessToken: u.Token})
}

// token makes a token of u with only the given scopes.
func (w *miscWorld) token(u *kontortest.User, scopes ...string) string {
	w.t.Helper()
	tok, err := w.in.DB.CreateToken(context.Background(), db.NewToken{UserID: &u.User.ID, AccountID: &u.Account.ID, Scopes: scopes})
	if err != nil {
		w.t.Fatal(err)
	}
	return tok.AccessToken
}

// do sends a request with a bearer token ("" for none); body is sent as
// JSON (a map or struct), as a form (url.Values) or not at all (nil).
func (w *miscWorld) do(method, path, token string, body any) (*http.Response, []byte) {
	w.t.Helper()
	var data []byte
	var headers []string
	switch b := body.(type) {
	case nil:
	case url.Values:
		data = []byte(b.Encode())
		headers = append(headers, "Content-Type: application/x-www-form-urlencoded")
	case string:
		data = []byte(b)
		headers = append(headers, "Content-Type: application/json")
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			w.t.Fatal(err)
		}
		headers = append(headers, "Content-Type: application/json")
	}
	if token != "" {
		headers = append(headers, "Authorization: Bearer "+token)
	}
	return w.in.Do(method, path, data, headers...)
}

// call is do that expects a status and decodes the JSON answer into out (if not nil).
func (w *miscWorld) call(method, path, token string, body any, want int, out any) *http.Response {
	w.t.Helper()
	resp, data := w.do(method, path, token, body)
	if resp.StatusCode != want {
		w.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		w.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(out); err != nil {
			w.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return resp
}

// post publishes a status by u.
func (w *miscWorld) post(u *kontortest.User, text string, v db.Visibility) *db.Status {
	w.t.Helper()
	return w.in.Post(u, activitypub.PostParams{Text: text, Visibility: v})
}

// follow makes a follow b (a local account, accepted at once unless locked).
func (w *miscWorld) follow(a, b *kontortest.User) {
	w.t.Helper()
	if _, err := w.in.Engine().Follow(context.Background(), a.Account, b.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		w.t.Fatal(err)
	}
}

// errorOf decodes {"error": "..."}.
func miscErrorOf(t *testing.T, data []byte) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(data, &e); err != nil || e.Error == "" {
		t.Fatalf("not an error body: %s", data)
	}
	return e.Error
}

func TestStubs(t *testing.T) {
	w := newMiscWorld(t)
	alice := w.in.CreateUser("alice")
	for _, path := range []string{"/api/v1/custom_emojis", "/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"} {
		resp, data := w.do("GET", path, "", nil)
		if resp.StatusCode != 200 || string(data) != "[]" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, data)
		}
	}
	if resp, data := w.do("GET", "/api/v1/announcements", alice.Token, nil); resp.StatusCode != 200 || string(data) != "[]" {
		t.Errorf("announcements: %d %s", resp.StatusCode, data)
	}
	if resp, _ := w.do("GET", "/api/v1/announcements", "", nil); resp.StatusCode != 401 {
		t.Errorf("announcements without a token: %d", resp.StatusCode)
	}
}

func TestDirectory(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol, dave := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol"), w.in.CreateUser("dave")
	hidden := w.in.CreateUser("hidden")
	hidden.Account.Discoverable = false
	if err := w.in.DB.UpdateAccountProfile(ctx, hidden.Account); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "pending", Email: "p@example.com",
		Password: "password-pending", Confirmed: false, Approved: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.in.DB.SuspendAccount(ctx, dave.Account.ID); err != nil {
		t.Fatal(err)
	}
	remote := &db.Account{Username: "zed", Domain: "remote.example", URI: "https://remote.example/users/zed", Discoverable: true}
	if err := w.in.DB.UpsertRemoteAccount(ctx, remote); err != nil {
		t.Fatal(err)
	}
	w.post(alice, "older", db.Public)
	w.post(carol, "newer", db.Public)
	if err := w.in.Engine().Block(ctx, carol.Account, bob.Account); err != nil {
		t.Fatal(err)
	}
	names := func(token, query string) []string {
		var list []struct {
			Acct string `json:"acct"`
		}
		w.call("GET", "/api/v1/directory"+query, token, nil, 200, &list)
		out := []string{}
		for _, a := range list {
			out = append(out, a.Acct)
		}
		return out
	}
	cases := []struct {
		token, query string
		want         []string
	}{
		{"", "", []string{"carol", "alice", "zed@remote.example", "bob"}}, // recent posters first, then the newest
		{"", "?order=new", []string{"zed@remote.example", "carol", "bob", "alice"}},
		{"", "?local=true&order=new", []string{"carol", "bob", "alice"}},
		{"", "?order=new&limit=2&offset=1", []string{"carol", "bob"}},
		{bob.Token, "?order=new", []string{"zed@remote.example", "bob", "alice"}}, // carol blocks bob
		{alice.Token, "?order=whatever&local=1", []string{"carol", "alice", "bob"}},
	}
	for _, tc := range cases {
		if got := names(tc.token, tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%q as %q: %v, want %v", tc.query, tc.token, got, tc.want)
		}
	}
	if resp, _ := w.do("GET", "/api/v1/directory?limit=x", "", nil); resp.StatusCode != 422 {
		t.Errorf("limit=x: %d", resp.StatusCode)
	}
}
