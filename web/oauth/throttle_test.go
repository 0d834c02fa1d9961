package oauth_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/oauth"
)

// throttledServer serves the OAuth routes of in with a clock that stands
// still, so the backoff cannot run out while a slow machine hashes.
func throttledServer(t *testing.T, in *kontortest.Instance) *httptest.Server {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	r := chi.NewRouter()
	oauth.New(oauth.Deps{Config: in.Config, DB: in.DB, Engine: in.Engine(), Logger: kontortest.Logger(t),
		Now: func() time.Time { return time.Unix(0, clock.Load()) }}).Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// Guesses count against the account whatever name was typed for it
// (username, email, any case, with @), on the form and the password grant
// alike: five free failures in all, not five per spelling.
func TestLoginThrottleCountsPerAccount(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	a := registerApp(t, in, tusky, "read")
	q := authorizeQuery(a, tusky, "read", "", "")
	srv := throttledServer(t, in)
	b := newBrowserAt(t, srv.URL)
	_, page := b.Get("/oauth/authorize?" + q.Encode())

	names := []string{"alice", "alice@example.com", "ALICE", "@alice", "Alice@Example.com", " alice "}
	for i, name := range names {
		if i%2 == 0 {
			resp, p := b.Submit(page, "/auth/sign_in", map[string]string{"login": name, "password": "guess-guess"})
			if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("guess %d (%q): %d", i, name, resp.StatusCode)
			}
			page = p
			continue
		}
		r := postToken(t, srv.URL, url.Values{"grant_type": {"password"}, "client_id": {a.ClientID},
			"client_secret": {a.ClientSecret}, "username": {name}, "password": {"guess-guess"}, "scope": {"read"}})
		if r.Status != http.StatusBadRequest && r.Status != http.StatusTooManyRequests {
			t.Fatalf("guess %d (%q) by the password grant: %+v", i, name, r)
		}
	}
	// Six failures: even the right password, under a new spelling, waits.
	resp, page := b.Submit(page, "/auth/sign_in", map[string]string{"login": "aLiCe@example.COM", "password": alice.Password})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !bytes.Contains(page, []byte("Too many failed attempts")) {
		t.Fatalf("after six guesses under six spellings: %d", resp.StatusCode)
	}
	r := postToken(t, srv.URL, url.Values{"grant_type": {"password"}, "client_id": {a.ClientID},
		"client_secret": {a.ClientSecret}, "username": {"alice"}, "password": {alice.Password}, "scope": {"read"}})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("password grant after six guesses: %+v", r)
	}
}

// One address guessing across many logins (password spraying) is slowed
// too, with a larger allowance than one account gets.
func TestLoginThrottleCountsPerIP(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	bob := in.CreateUser("bob")
	a := registerApp(t, in, tusky, "read")
	srv := throttledServer(t, in)
	guess := func(login, password string) tokenReply {
		return postToken(t, srv.URL, url.Values{"grant_type": {"password"}, "client_id": {a.ClientID},
			"client_secret": {a.ClientSecret}, "username": {login}, "password": {password}, "scope": {"read"}})
	}
	// Fewer failures than the allowance leave other logins alone.
	for i := range 10 {
		if r := guess(fmt.Sprintf("nobody%d", i), "guess-guess"); r.Status != http.StatusBadRequest {
			t.Fatalf("guess %d: %+v", i, r)
		}
	}
	if r := guess("bob", bob.Password); r.Status != http.StatusOK {
		t.Fatalf("bob after 10 failures of others: %+v", r)
	}
	for i := 10; i < 30; i++ {
		guess(fmt.Sprintf("nobody%d", i), "guess-guess")
	}
	if r := guess("bob", bob.Password); r.Status != http.StatusTooManyRequests {
		t.Fatalf("bob after 30 failures from his address: %+v", r)
	}
}
