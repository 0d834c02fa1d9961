package streaming_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/streaming"
)

// ended waits until the server has closed c, failing if an event matching
// bad arrives before (or is still queued when) it closes.
func (c *client) ended(bad func(event) bool) {
	c.t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case e := <-c.events:
			if bad(e) {
				c.t.Fatalf("event %s %v after the token was revoked: %s", e.Event, e.Stream, deref(e.Payload))
			}
		case <-c.done:
			for {
				select {
				case e := <-c.events:
					if bad(e) {
						c.t.Fatalf("event %s %v after the token was revoked: %s", e.Event, e.Stream, deref(e.Payload))
					}
				default:
					return
				}
			}
		case <-timeout:
			c.t.Fatalf("the connection is still open %s later", wait)
		}
	}
}

// appToken registers an app and gives u a token of it.
func appToken(t *testing.T, in *kontortest.Instance, u *kontortest.User) (*db.RegisteredApp, string) {
	t.Helper()
	ctx := context.Background()
	app, err := in.DB.CreateApp(ctx, db.NewApp{Name: "Phanpy", RedirectURIs: "https://phanpy.example/", Scopes: "read write follow push"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := in.DB.CreateToken(ctx, db.NewToken{AppID: &app.ID, UserID: &u.User.ID, AccountID: &u.Account.ID, Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	return app, tok.AccessToken
}

// An app's log-out (Phanpy and Elk revoke their token) ends the streams of
// that token when POST /oauth/revoke answers, as Mastodon does: nothing
// posted afterwards reaches them, over WebSocket or server-sent events,
// while another token of the same user streams on. (Found by the masto.js
// suite, interop/masto.sh: the stream of a revoked token kept getting the
// home timeline and notifications.)
func TestRevokedTokenEndsItsStreams(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	app, token := appToken(t, in, bob)

	// The token as masto sends it: as the WebSocket subprotocol.
	conn, _, err := tryWS(in.URL, "", []string{token})
	if err != nil {
		t.Fatal(err)
	}
	ws := startClient(t, conn, nil)
	ws.send(map[string]string{"type": "subscribe", "stream": "public"})
	ws.sync()
	sse := dialSSE(t, in.URL, "/public", "Authorization: Bearer "+token)
	other := subscribe(t, in, bob, st("public"))
	waitConnections(t, in, 3)
	before := post(t, in, alice, "before the log-out", db.Public)
	for _, c := range []*client{ws, sse, other} {
		c.until(isStatus("update", before.ID), nil)
	}

	form := url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "token": {token}}
	resp, body := in.Do(http.MethodPost, "/oauth/revoke", []byte(form.Encode()), "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	if n := in.Server.Streaming.Connections(); n != 1 {
		t.Fatalf("%d connections once the revocation answered, want 1 (the other token's)", n)
	}
	after := post(t, in, alice, "after the log-out", db.Public)
	other.until(isStatus("update", after.ID), nil)
	ws.ended(isStatus("update", after.ID))
	sse.ended(isStatus("update", after.ID))

	// The revoked token cannot come back.
	if _, resp, err := tryWS(in.URL, "", []string{token}); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial with the revoked token: %v", err)
	}
}

// Revocations the hub is not told about (the admin CLI suspends from its
// own process; a brand member's removal, a refresh and expiry revoke in the
// database) end the streams at the next periodic check; the connections of
// other, valid tokens stay.
func TestStreamsOfDeadTokensEndAtTheNextCheck(t *testing.T) {
	ctx := context.Background()
	in := kontortest.Start(t, kontortest.Options{})
	base, hub := customServer(t, in, streaming.HubOptions{TokenCheck: 100 * time.Millisecond}, time.Minute)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	soon := time.Now().Add(1500 * time.Millisecond)
	short, err := in.DB.CreateToken(ctx, db.NewToken{UserID: &carol.User.ID, AccountID: &carol.Account.ID, Scopes: []string{"read"}, ExpiresAt: &soon})
	if err != nil {
		t.Fatal(err)
	}
	_, revoked := appToken(t, in, carol)

	dial := func(token string) *client {
		c := dialWS(t, base, "", "Authorization: Bearer "+token)
		c.send(map[string]string{"type": "subscribe", "stream": "public"})
		c.sync()
		return c
	}
	stays := dial(alice.Token)
	suspended := dial(bob.Token)
	expires := dial(short.AccessToken)
	revokedInDB := dial(revoked)
	kontortest.Eventually(t, wait, "4 connections", func() bool { return hub.Connections() == 4 })

	if err := in.DB.SuspendAccount(ctx, bob.Account.ID); err != nil {
		t.Fatal(err)
	}
	if err := in.DB.RevokeToken(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	never := func(event) bool { return false }
	suspended.ended(never)
	revokedInDB.ended(never)
	expires.ended(never)
	s := post(t, in, alice, "still here", db.Public)
	stays.until(isStatus("update", s.ID), nil)
	if n := hub.Connections(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

// With several nodes, a revocation through one ends the token's streams on
// the others at once (through the bus), not only at their next check.
func TestRevocationCrossesNodes(t *testing.T) {
	if kontortest.Dialect() != db.Postgres {
		t.Skip("SKIPPED: nodes share events through PostgreSQL LISTEN/NOTIFY; set KONTOR_TEST_DIALECT=postgres and " + kontortest.PostgresEnv)
	}
	nodeA := kontortest.Start(t, kontortest.Options{})
	nodeB := kontortest.Start(t, kontortest.Options{NodeOf: nodeA})
	bob := nodeA.CreateUser("bob")
	app, token := appToken(t, nodeA, bob)
	onB := dialWS(t, nodeB.URL, "?stream=public", "Authorization: Bearer "+token)
	waitConnections(t, nodeB, 1)

	form := url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "token": {token}}
	start := time.Now()
	if resp, body := nodeA.Do(http.MethodPost, "/oauth/revoke", []byte(form.Encode()), "Content-Type: application/x-www-form-urlencoded"); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	onB.ended(func(event) bool { return false })
	// Well before node B's periodic check (15 s by default).
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("node B closed the stream after %s", d)
	}
}
