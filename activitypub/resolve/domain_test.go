package resolve_test

import (
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/resolve"
)

// splitDomain is a company's handle domain (acme.example, serving only
// WebFinger) and the server its actors live on (social.acme.example).
type splitDomain struct {
	apex, server *peer
	uri          string
}

func newSplitDomain(t *testing.T, e *env) *splitDomain {
	s := &splitDomain{apex: e.peer, server: newPeer(t)}
	s.server.verifier = e.peer.verifier
	s.uri = s.server.URL + "/users/jane"
	s.server.json("/users/jane", mastodonActor(s.server.URL, "jane", testKey(1)))
	// Both names answer with the subject on the company domain, as Kontor does.
	s.apex.webfinger("acct:jane@"+s.apex.Host, s.uri)
	s.server.webfinger("acct:jane@"+s.server.Host, s.uri)
	s.server.set("/.well-known/webfinger?acct:jane@"+s.server.Host, response{ctype: "application/jrd+json",
		body: `{"subject":"acct:jane@` + s.apex.Host + `","links":[{"rel":"self","type":"application/activity+json","href":"` + s.uri + `"}]}`})
	return s
}

func (s *splitDomain) fingers() int {
	return s.apex.count("/.well-known/webfinger?acct:jane@"+s.apex.Host) + s.server.count("/.well-known/webfinger?acct:jane@"+s.server.Host)
}

func TestSplitDomainByHandle(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		s := newSplitDomain(t, e)
		a, err := e.r.Handle(ctx, "jane", s.apex.Host)
		if err != nil {
			t.Fatal(err)
		}
		if a.Domain != s.apex.Host || a.Acct() != "jane@"+s.apex.Host || a.URI != s.uri {
			t.Fatalf("stored as %s (%s)", a.Acct(), a.URI)
		}
		// The handle's WebFinger answer is reused for the check: one request
		// to each name.
		if s.fingers() != 2 || s.server.count("/users/jane") != 1 {
			t.Fatalf("requests: apex %v, server %v", s.apex.hits, s.server.hits)
		}
		// Asked again by handle or by actor URL: the same account, from the store.
		b, err := e.r.Handle(ctx, "JANE", s.apex.Host)
		if err != nil || b.ID != a.ID {
			t.Fatalf("again by handle: %v", err)
		}
		c, err := e.r.Actor(ctx, s.uri, false)
		if err != nil || c.ID != a.ID || c.Domain != s.apex.Host {
			t.Fatalf("by actor URL: %v %+v", err, c)
		}
		if s.fingers() != 2 || s.server.count("/users/jane") != 1 {
			t.Fatalf("cached lookups made requests: apex %v, server %v", s.apex.hits, s.server.hits)
		}
		// A refetch while the decision is fresh (a key refresh, a profile
		// Update) asks no WebFinger.
		if _, _, err := e.r.FetchActor(ctx, s.uri); err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.Actor(ctx, s.uri, true); err != nil {
			t.Fatal(err)
		}
		if s.fingers() != 2 || s.server.count("/users/jane") != 3 {
			t.Fatalf("refetches: apex %v, server %v", s.apex.hits, s.server.hits)
		}
		if _, err := e.db.AccountByUsername(ctx, "jane", s.server.Host); err == nil {
			t.Error("a second account under the server's host")
		}
	})
}

// An actor first seen through the inbox (its key or its URI) gets the same
// domain as one looked up by handle.
func TestSplitDomainByActorURI(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		s := newSplitDomain(t, e)
		_, owner, err := e.r.PublicKey(ctx, s.uri+"#main-key", false)
		if err != nil || owner != s.uri {
			t.Fatal(owner, err)
		}
		a, err := e.db.AccountByURI(ctx, s.uri)
		if err != nil || a.Acct() != "jane@"+s.apex.Host {
			t.Fatalf("stored as %s: %v", a.Acct(), err)
		}
		// Then by handle: the stored account, no request at all.
		before := s.apex.total() + s.server.total()
		b, err := e.r.Handle(ctx, "jane", s.apex.Host)
		if err != nil || b.ID != a.ID || s.apex.total()+s.server.total() != before {
			t.Fatalf("by handle after the inbox: %v, requests apex %v server %v", err, s.apex.hits, s.server.hits)
		}
	})
}

func TestSplitDomainRefused(t *testing.T) {
	cases := []struct {
		name  string
		setup func(s *splitDomain, e *env)
	}{
		{"subject domain names another actor", func(s *splitDomain, e *env) {
			s.apex.webfinger("acct:jane@"+s.apex.Host, s.apex.URL+"/users/impostor")
		}},
		{"subject domain does not know the handle", func(s *splitDomain, e *env) {
			s.apex.status("/.well-known/webfinger?acct:jane@"+s.apex.Host, 404)
		}},
		{"subject with another username", func(s *splitDomain, e *env) {
			s.server.set("/.well-known/webfinger?acct:jane@"+s.server.Host, response{ctype: "application/jrd+json",
				body: `{"subject":"acct:ceo@` + s.apex.Host + `","links":[{"rel":"self","type":"application/activity+json","href":"` + s.uri + `"}]}`})
			s.apex.webfinger("acct:ceo@"+s.apex.Host, s.uri)
		}},
		{"subject on this instance's domain", func(s *splitDomain, e *env) {
			s.server.set("/.well-known/webfinger?acct:jane@"+s.server.Host, response{ctype: "application/jrd+json",
				body: `{"subject":"acct:jane@acme.example","links":[{"rel":"self","type":"application/activity+json","href":"` + s.uri + `"}]}`})
		}},
		{"server's WebFinger names another actor", func(s *splitDomain, e *env) {
			s.server.set("/.well-known/webfinger?acct:jane@"+s.server.Host, response{ctype: "application/jrd+json",
				body: `{"subject":"acct:jane@` + s.apex.Host + `","links":[{"rel":"self","type":"application/activity+json","href":"` + s.server.URL + `/users/other"}]}`})
		}},
		{"server has no WebFinger", func(s *splitDomain, e *env) {
			s.server.status("/.well-known/webfinger?acct:jane@"+s.server.Host, 404)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dialects(t, func(t *testing.T, e *env) {
				s := newSplitDomain(t, e)
				tc.setup(s, e)
				a, err := e.r.Actor(ctx, s.uri, false)
				if err != nil {
					t.Fatal(err)
				}
				if a.Acct() != "jane@"+s.server.Host {
					t.Fatalf("stored as %s, want the actor's host", a.Acct())
				}
			})
		})
	}
}

// A domain confirmed before survives a WebFinger outage, and is given up
// when the server stops naming it.
func TestSplitDomainOnRefresh(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		e.reconfigure(func(o *resolve.Options) { o.RefreshAfter = 100 * time.Millisecond })
		s := newSplitDomain(t, e)
		if a, err := e.r.Actor(ctx, s.uri, false); err != nil || a.Domain != s.apex.Host {
			t.Fatalf("%v %+v", err, a)
		}
		time.Sleep(150 * time.Millisecond)
		s.server.status("/.well-known/webfinger?acct:jane@"+s.server.Host, 502)
		if a, err := e.r.Actor(ctx, s.uri, false); err != nil || a.Domain != s.apex.Host {
			t.Fatalf("during an outage: %v, %s", err, a.Acct())
		}
		time.Sleep(150 * time.Millisecond)
		s.server.webfinger("acct:jane@"+s.server.Host, s.uri) // subject on its own host now
		a, err := e.r.Actor(ctx, s.uri, false)
		if err != nil || a.Domain != s.server.Host {
			t.Fatalf("after the server dropped the domain: %v, %s", err, a.Acct())
		}
		if _, err := e.db.AccountByUsername(ctx, "jane", s.apex.Host); err == nil {
			t.Error("the old handle still finds the account")
		}
	})
}
