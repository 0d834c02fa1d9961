package federation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// apexSite stands in for a company's main web server (acme.example): it
// sends /.well-known/webfinger to the Kontor host with a 301, as the
// README's nginx and Caddy snippets do, and knows nothing else. With
// redirect off it is a site whose admin forgot that step.
type apexSite struct {
	srv      *httptest.Server
	Host     string
	target   atomic.Value // the Kontor base URL
	redirect atomic.Bool
}

func newApexSite(t *testing.T) *apexSite {
	a := &apexSite{}
	a.redirect.Store(true)
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base, _ := a.target.Load().(string)
		if r.URL.Path != "/.well-known/webfinger" || base == "" || !a.redirect.Load() {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, base+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(a.srv.Close)
	a.Host = strings.TrimPrefix(a.srv.URL, "http://")
	return a
}

// startSplit starts a Kontor whose handles are @user@<apex host>.
func startSplit(t *testing.T, apex *apexSite) *kontortest.Instance {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.AccountDomain = apex.Host }})
	apex.target.Store(in.URL)
	return in
}

// apiAccts GETs an API path as u and returns every "acct" in the answer.
func apiAccts(t *testing.T, in *kontortest.Instance, u *kontortest.User, path string) []string {
	t.Helper()
	resp, body := in.Get(path, "Authorization: Bearer "+u.Token)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "acct" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

func only(t *testing.T, what string, got []string, want string) {
	t.Helper()
	if len(got) == 0 {
		t.Fatalf("%s: no acct", what)
	}
	for _, g := range got {
		if g != want {
			t.Fatalf("%s: acct %q, want %q (all: %q)", what, g, want, got)
		}
	}
}

// TestSplitDomainHandleByHandle: a second Kontor resolves @jane@acme (the
// apex site) and keeps that handle: in the stored account, in search by
// handle and by actor URL (one account), in mentions and notifications.
func TestSplitDomainHandleByHandle(t *testing.T) {
	apex := newApexSite(t)
	acme := startSplit(t, apex)
	other := kontortest.Start(t, kontortest.Options{})
	jane := acme.CreateUser("jane")
	bob := other.CreateUser("bob")
	want := "jane@" + apex.Host
	if jane.Handle != want {
		t.Fatalf("handle %q", jane.Handle)
	}
	ctx := context.Background()

	byHandle := other.Resolve(jane)
	if byHandle.Acct() != want || byHandle.URI != acme.URL+"/users/jane" {
		t.Fatalf("resolved as %s (%s)", byHandle.Acct(), byHandle.URI)
	}
	byURI, err := other.Engine().Resolver().Actor(ctx, acme.URL+"/users/jane", true)
	if err != nil || byURI.ID != byHandle.ID || byURI.Acct() != want {
		t.Fatalf("by actor URL: %v, %+v", err, byURI)
	}
	q := url.Values{"q": {"@" + want}, "resolve": {"true"}, "type": {"accounts"}}
	only(t, "search by handle", apiAccts(t, other, bob, "/api/v2/search?"+q.Encode()), want)
	q.Set("q", acme.URL+"/users/jane")
	only(t, "search by actor URL", apiAccts(t, other, bob, "/api/v2/search?"+q.Encode()), want)

	// bob mentions her by the company handle: she is told, and the
	// mention shows that handle on both sides.
	post := other.Post(bob, activitypub.PostParams{Text: "@" + want + " welcome!", Visibility: db.Public})
	resp, body := other.Get("/api/v1/statuses/"+db.FormatID(post.ID), "Authorization: Bearer "+bob.Token)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"acct":"`+want+`"`) {
		t.Fatalf("status mentions: %s", body)
	}
	kontortest.Eventually(t, kontortest.Wait, "jane's mention notification", func() bool {
		list, _ := acme.DB.Notifications(ctx, jane.Account.ID, db.NotificationFilter{Types: []string{db.NotifyMention}}, db.Page{Limit: 5})
		return len(list) == 1
	})

	// She follows back: bob's follow notification names her company handle.
	acme.Follow(jane, other, bob)
	only(t, "bob's notifications", apiAccts(t, other, bob, "/api/v1/notifications?types[]=follow"), want)
	if n, _ := other.DB.SearchAccounts(ctx, bob.Account.ID, db.AccountSearch{Username: "jane", Limit: 10}); len(n) != 1 {
		t.Fatalf("%d accounts named jane on the other instance", len(n))
	}
}

// TestSplitDomainHandleThroughInbox: jane's actor reaches the other
// Kontor first through its inbox (she follows bob): it is stored under
// the company handle too, and a later lookup by handle finds that account.
func TestSplitDomainHandleThroughInbox(t *testing.T) {
	apex := newApexSite(t)
	acme := startSplit(t, apex)
	other := kontortest.Start(t, kontortest.Options{})
	jane := acme.CreateUser("jane")
	bob := other.CreateUser("bob")
	want := "jane@" + apex.Host

	acme.Follow(jane, other, bob)
	only(t, "bob's follow notification", apiAccts(t, other, bob, "/api/v1/notifications"), want)
	stored := other.RemoteAccount(jane, acme)
	if stored.Acct() != want {
		t.Fatalf("stored as %s", stored.Acct())
	}
	if again := other.Resolve(jane); again.ID != stored.ID {
		t.Fatalf("by handle: account %d, through the inbox: %d", again.ID, stored.ID)
	}
}

// TestSplitDomainNotConfirmed: the apex site does not send WebFinger to
// Kontor (the redirect was never set up), so nothing confirms the company
// handle; the other side keeps jane under the Kontor host.
func TestSplitDomainNotConfirmed(t *testing.T) {
	apex := newApexSite(t)
	apex.redirect.Store(false)
	acme := startSplit(t, apex)
	other := kontortest.Start(t, kontortest.Options{})
	jane := acme.CreateUser("jane")
	a, err := other.Engine().Resolver().Actor(context.Background(), acme.URL+"/users/jane", false)
	if err != nil {
		t.Fatal(err)
	}
	if a.Acct() != "jane@"+acme.Host {
		t.Fatalf("stored as %s, want jane@%s", a.Acct(), acme.Host)
	}
	if _, err := other.Engine().Resolver().Handle(context.Background(), "jane", apex.Host); err == nil {
		t.Fatalf("@%s resolved without WebFinger on its domain", jane.Handle)
	}
}
