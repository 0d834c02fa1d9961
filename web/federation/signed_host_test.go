package federation_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// signedFor signs a request to in's address as if it were sent to host:
// the signed host (cavage) or @authority (RFC 9421) names host, and the
// request carries it as its Host.
func signedFor(t *testing.T, a *kontortest.FakeActor, method, url, host string, body []byte, rfc9421 bool) *http.Request {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Content-Type", "application/activity+json")
	req.Header.Set("Accept", "application/activity+json")
	if rfc9421 {
		err = signature.SignRequestRFC9421(req, body, a.KeyID, a.Key, time.Time{})
	} else {
		err = signature.SignRequest(req, body, a.KeyID, a.Key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// A signature names the server it was made for: a request signed for
// another server (replayed here, or sent by a confused peer) is refused
// with 401, whatever scheme signed it, on inboxes and on signed GETs.
func TestSignatureBoundToThisServer(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.AccountDomain = "accounts.example" }})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	mallory := remote.Actor("mallory")
	inbox := in.URL + "/users/alice/inbox"
	n := 0
	follow := func() []byte {
		n++
		return mallory.Activity("Follow", "follows/"+string(rune('a'+n)), alice.Account.URI, nil)
	}
	for _, c := range []struct {
		name, host string
		rfc9421    bool
		want       int
	}{
		{"cavage, another server", "other.example", false, 401},
		{"RFC 9421, another server", "other.example", true, 401},
		{"cavage, this host with another port", "127.0.0.1:1", false, 401},
		{"cavage, this host", in.Host, false, 202},
		{"RFC 9421, this host", in.Host, true, 202},
		{"cavage, the account domain", "accounts.example", false, 202},
		{"RFC 9421, the account domain in capitals", "ACCOUNTS.example", true, 202},
		{"cavage, a name that is not this server's", "localhost" + in.Host[len("127.0.0.1"):], false, 401},
	} {
		status, body := send(t, signedFor(t, mallory, "POST", inbox, c.host, follow(), c.rfc9421))
		if status != c.want {
			t.Errorf("inbox, %s: %d, want %d: %s", c.name, status, c.want, body)
		}
	}
	// A signed GET made for another server does not make its signer the viewer.
	post := in.Post(alice, activitypub.PostParams{Text: "hello", Visibility: db.Public})
	for _, c := range []struct {
		host string
		want int
	}{{"other.example", 401}, {in.Host, 200}} {
		status, body := send(t, signedFor(t, mallory, "GET", post.URI, c.host, nil, false))
		if status != c.want {
			t.Errorf("signed GET for %s: %d, want %d: %s", c.host, status, c.want, body)
		}
	}
}

// Behind a trusted reverse proxy that passes the original host in
// X-Forwarded-Host (and its own in Host), the original host is the one the
// signature covers; from anyone else X-Forwarded-Host means nothing.
func TestSignatureHostThroughTrustedProxy(t *testing.T) {
	for _, c := range []struct {
		name    string
		proxies []string
		want    int
	}{
		{"trusted proxy", []string{"127.0.0.1"}, 202},
		{"untrusted peer", nil, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := kontortest.Start(t, kontortest.Options{Configure: func(cfg *config.Config) { cfg.TrustedProxies = c.proxies }})
			alice := in.CreateUser("alice")
			mallory := kontortest.NewFakeServer(t).Actor("mallory")
			req := signedFor(t, mallory, "POST", alice.Account.URI+"/inbox", in.Host, mallory.Activity("Follow", "follows/1", alice.Account.URI, nil), false)
			req.Host = "kontor-backend:8080"
			req.Header.Set("X-Forwarded-Host", in.Host)
			if status, body := send(t, req); status != c.want {
				t.Errorf("%d, want %d: %s", status, c.want, body)
			}
			// A proxy forwarding another server's name does not help.
			req = signedFor(t, mallory, "POST", alice.Account.URI+"/inbox", "other.example", mallory.Activity("Follow", "follows/2", alice.Account.URI, nil), false)
			req.Host = "kontor-backend:8080"
			req.Header.Set("X-Forwarded-Host", "other.example")
			if status, body := send(t, req); status != 401 {
				t.Errorf("forwarded for another server: %d: %s", status, body)
			}
		})
	}
}
