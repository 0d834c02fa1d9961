package resolve_test

import (
	"context"
	"crypto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/resolve"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

var ctx = context.Background()

func TestActorFetchedAndMapped(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		a, err := e.r.Actor(ctx, p.URL+"/users/alice", false)
		if err != nil {
			t.Fatal(err)
		}
		id := p.URL + "/users/alice"
		checks := []struct {
			name      string
			got, want any
		}{
			{"ID assigned", a.ID != 0, true},
			{"Username", a.Username, "alice"},
			{"Domain", a.Domain, p.Host},
			{"URI", a.URI, id},
			{"URL", a.URL, p.URL + "/@alice"},
			{"ActorType", a.ActorType, "Person"},
			{"DisplayName", a.DisplayName, "Alice Example"},
			{"AvatarRemoteURL", a.AvatarRemoteURL, p.URL + "/system/avatars/alice.png"},
			{"HeaderRemoteURL", a.HeaderRemoteURL, p.URL + "/system/headers/alice.jpg"},
			{"InboxURI", a.InboxURI, id + "/inbox"},
			{"SharedInboxURI", a.SharedInboxURI, p.URL + "/inbox"},
			{"OutboxURI", a.OutboxURI, id + "/outbox"},
			{"FollowersURI", a.FollowersURI, id + "/followers"},
			{"FollowingURI", a.FollowingURI, id + "/following"},
			{"FeaturedURI", a.FeaturedURI, id + "/collections/featured"},
			{"PublicKeyID", a.PublicKeyID, id + "#main-key"},
			{"PublicKeyPEM", a.PublicKeyPEM, pemOf(testKey(1))},
			{"Locked", a.Locked, true},
			{"Bot", a.Bot, false},
			{"Discoverable", a.Discoverable, true},
			{"Indexable", a.Indexable, true},
			{"Memorial", a.Memorial, false},
			{"AlsoKnownAs", strings.Join(a.AlsoKnownAs, " "), "https://old.example/users/alice"},
			{"CreatedAt", a.CreatedAt.UTC().Format(time.RFC3339), "2022-11-01T00:00:00Z"},
			{"FetchedAt set", a.FetchedAt != nil, true},
			{"Local", a.Local(), false},
			{"Acct", a.Acct(), "alice@" + p.Host},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			}
		}
		if strings.Contains(a.Note, "script") || strings.Contains(a.Note, "onclick") || !strings.Contains(a.Note, "Hello") || !strings.Contains(a.Note, `href="https://alice.example/"`) {
			t.Errorf("Note not sanitized as expected: %q", a.Note)
		}
		if len(a.Fields) != 2 || a.Fields[0].Name != "Website" || a.Fields[1].Name != "Pronouns" || a.Fields[1].Value != "she/her" {
			t.Fatalf("Fields = %+v", a.Fields)
		}
		if v := a.Fields[0].Value; strings.Contains(v, "onerror") || strings.Contains(v, "<img") || !strings.Contains(v, "alice.example") {
			t.Errorf("field value not sanitized: %q", v)
		}

		// What the store gives back is the same.
		stored, err := e.db.AccountByURI(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if stored.ID != a.ID || stored.Note != a.Note || len(stored.Fields) != 2 || !stored.CreatedAt.Equal(a.CreatedAt) || stored.PublicKeyPEM != a.PublicKeyPEM {
			t.Errorf("stored %+v\nreturned %+v", stored, a)
		}

		// movedTo is left to the caller, through the document.
		_, doc, err := e.r.FetchActor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if doc.MovedTo != p.URL+"/users/alice2" {
			t.Errorf("MovedTo = %q", doc.MovedTo)
		}
	})
}

func TestGoToSocialActor(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		p.json("/users/turtle", gtsActor(p.URL, "turtle", testKey(2)))
		a, err := e.r.Actor(ctx, p.URL+"/users/turtle", false)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Bot || a.ActorType != "Service" || !a.Locked || a.SharedInboxURI != "" || a.PublicKeyID != p.URL+"/users/turtle/main-key" ||
			a.Discoverable || len(a.Fields) != 1 || a.Fields[0].Value != "120" || a.DisplayName != "happy little turtle :3" {
			t.Errorf("mapped %+v", a)
		}
	})
}

func TestActorServedFromCacheAndRefreshed(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		uri := p.URL + "/users/alice"
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		first, err := e.r.Actor(ctx, uri, false)
		if err != nil {
			t.Fatal(err)
		}
		second, err := e.r.Actor(ctx, uri, false)
		if err != nil {
			t.Fatal(err)
		}
		if first.ID != second.ID || p.count("/users/alice") != 1 {
			t.Fatalf("second call fetched again: %d requests", p.count("/users/alice"))
		}
		// refresh=true fetches, and sees the change.
		doc := mastodonActor(p.URL, "alice", testKey(1))
		doc["name"] = "Alice Renamed"
		p.json("/users/alice", doc)
		a, err := e.r.Actor(ctx, uri, true)
		if err != nil {
			t.Fatal(err)
		}
		if a.DisplayName != "Alice Renamed" || a.ID != first.ID || p.count("/users/alice") != 2 {
			t.Fatalf("refresh: %q, id %d/%d, %d requests", a.DisplayName, a.ID, first.ID, p.count("/users/alice"))
		}
	})
}

func TestActorRefetchedWhenStale(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		e.reconfigure(func(o *resolve.Options) { o.RefreshAfter = 300 * time.Millisecond })
		p := e.peer
		uri := p.URL + "/users/alice"
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		if _, err := e.r.Actor(ctx, uri, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.Actor(ctx, uri, false); err != nil || p.count("/users/alice") != 1 {
			t.Fatalf("fresh copy refetched: %v, %d", err, p.count("/users/alice"))
		}
		time.Sleep(400 * time.Millisecond)
		if _, err := e.r.Actor(ctx, uri, false); err != nil || p.count("/users/alice") != 2 {
			t.Fatalf("stale copy not refetched: %v, %d", err, p.count("/users/alice"))
		}

		// Stale, and the peer fails: the stored copy is better than nothing.
		time.Sleep(400 * time.Millisecond)
		p.status("/users/alice", 503)
		a, err := e.r.Actor(ctx, uri, false)
		if err != nil || a.Username != "alice" || p.count("/users/alice") != 3 {
			t.Fatalf("fallback to stored copy: %v, %d requests", err, p.count("/users/alice"))
		}
		// Same when the document turns bad.
		p.json("/users/alice", map[string]any{"id": p.URL + "/users/mallory", "type": "Person"})
		if a, err := e.r.Actor(ctx, uri, true); err != nil || a.Username != "alice" {
			t.Fatalf("fallback on a spoofed refetch: %v", err)
		}
	})
}

func TestActorGoneAndNotFound(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		uri := p.URL + "/users/alice"
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		if _, err := e.r.Actor(ctx, uri, false); err != nil {
			t.Fatal(err)
		}
		p.status("/users/alice", 410)
		_, err := e.r.Actor(ctx, uri, true)
		mustErr(t, "410 for a known actor", err, resolve.ErrGone)

		_, err = e.r.Actor(ctx, p.URL+"/users/nobody", false)
		mustErr(t, "404", err, resolve.ErrNotFound)
		p.status("/users/deleted", 410)
		_, err = e.r.Actor(ctx, p.URL+"/users/deleted", false)
		mustErr(t, "410 for an unknown actor", err, resolve.ErrGone)
	})
}

func TestActorDocumentChecks(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		other := newPeer(t)
		other.verifier = p.verifier

		// The id differs from the URL fetched (same host, no redirect).
		p.json("/users/eve", mastodonActor(p.URL, "alice", testKey(1)))
		_, err := e.r.Actor(ctx, p.URL+"/users/eve", false)
		mustErr(t, "id differs from URL", err, resolve.ErrSpoofed)
		// An id on another host.
		p.json("/users/frank", mastodonActor(other.URL, "frank", testKey(1)))
		_, err = e.r.Actor(ctx, p.URL+"/users/frank", false)
		mustErr(t, "id on another host", err, resolve.ErrSpoofed)
		// Not an actor.
		p.json("/notes/1", map[string]any{"id": p.URL + "/notes/1", "type": "Note", "content": "hi"})
		_, err = e.r.Actor(ctx, p.URL+"/notes/1", false)
		mustErr(t, "a Note", err, resolve.ErrNotActor)
		// No inbox.
		doc := mastodonActor(p.URL, "noinbox", testKey(1))
		delete(doc, "inbox")
		p.json("/users/noinbox", doc)
		_, err = e.r.Actor(ctx, p.URL+"/users/noinbox", false)
		mustErr(t, "no inbox", err, resolve.ErrNotActor)
		// No preferredUsername.
		doc = mastodonActor(p.URL, "nouser", testKey(1))
		delete(doc, "preferredUsername")
		p.json("/users/nouser", doc)
		_, err = e.r.Actor(ctx, p.URL+"/users/nouser", false)
		mustErr(t, "no preferredUsername", err, resolve.ErrNotActor)
		// No key.
		doc = mastodonActor(p.URL, "nokey", testKey(1))
		delete(doc, "publicKey")
		p.json("/users/nokey", doc)
		_, err = e.r.Actor(ctx, p.URL+"/users/nokey", false)
		mustErr(t, "no key", err, resolve.ErrNotActor)
		// A key owned by someone else.
		doc = mastodonActor(p.URL, "thief", testKey(1))
		doc["publicKey"] = map[string]any{"id": p.URL + "/users/thief#main-key", "owner": p.URL + "/users/alice", "publicKeyPem": pemOf(testKey(1))}
		p.json("/users/thief", doc)
		_, err = e.r.Actor(ctx, p.URL+"/users/thief", false)
		mustErr(t, "key owned by another actor", err, resolve.ErrSpoofed)
		// A key whose id is on another host (it would shadow that host's key).
		doc = mastodonActor(p.URL, "shadow", testKey(1))
		doc["publicKey"] = map[string]any{"id": other.URL + "/users/bob#main-key", "owner": p.URL + "/users/shadow", "publicKeyPem": pemOf(testKey(1))}
		p.json("/users/shadow", doc)
		_, err = e.r.Actor(ctx, p.URL+"/users/shadow", false)
		mustErr(t, "key id on another host", err, resolve.ErrSpoofed)

		for _, u := range []string{"/users/eve", "/users/frank", "/users/thief", "/users/shadow"} {
			if _, err := e.db.AccountByURI(ctx, p.URL+u); err == nil {
				t.Errorf("%s was stored", u)
			}
		}
		if _, err := e.db.AccountByURI(ctx, p.URL+"/users/alice"); err == nil {
			t.Error("the actor named by a spoofed document was stored")
		}

		// A redirect within the host: keyed by the document's id.
		p.redirect("/@carol", p.URL+"/users/carol")
		p.json("/users/carol", mastodonActor(p.URL, "carol", testKey(2)))
		a, err := e.r.Actor(ctx, p.URL+"/@carol", false)
		if err != nil || a.URI != p.URL+"/users/carol" {
			t.Fatalf("redirect on the same host: %v", err)
		}
		// A redirect to another host whose document is on that host.
		p.redirect("/users/moved", other.URL+"/users/dora")
		other.json("/users/dora", mastodonActor(other.URL, "dora", testKey(3)))
		a, err = e.r.Actor(ctx, p.URL+"/users/moved", false)
		if err != nil || a.URI != other.URL+"/users/dora" || a.Domain != other.Host {
			t.Fatalf("redirect to another host: %+v, %v", a, err)
		}
		// A redirect to another host serving a document with the first host's id.
		p.redirect("/users/sneaky", other.URL+"/users/sneaky")
		other.json("/users/sneaky", mastodonActor(p.URL, "sneaky", testKey(3)))
		_, err = e.r.Actor(ctx, p.URL+"/users/sneaky", false)
		mustErr(t, "redirected document claiming the first host", err, resolve.ErrSpoofed)
	})
}

func TestLocalNeverFetched(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		l := e.local
		carol := &db.Account{
			Username: "carol", URI: l.URL + "/users/carol", URL: l.URL + "/@carol", InboxURI: l.URL + "/users/carol/inbox",
			PublicKeyID: l.URL + "/users/carol#main-key", PublicKeyPEM: pemOf(testKey(4)), ActorType: "Person",
		}
		if err := e.db.CreateLocalAccount(ctx, carol, nil); err != nil {
			t.Fatal(err)
		}
		a, err := e.r.Actor(ctx, carol.URI, true)
		if err != nil || a.ID != carol.ID {
			t.Fatalf("local actor: %v", err)
		}
		pub, owner, err := e.r.PublicKey(ctx, carol.PublicKeyID, true)
		if err != nil || owner != carol.URI {
			t.Fatalf("local key: %v", err)
		}
		sameKey(t, pub, testKey(4))
		_, err = e.r.Object(ctx, l.URL+"/users/carol/statuses/1")
		mustErr(t, "local object", err, resolve.ErrLocal)
		_, _, err = e.r.FetchActor(ctx, carol.URI)
		mustErr(t, "FetchActor of a local actor", err, resolve.ErrLocal)
		_, err = e.r.Actor(ctx, l.URL+"/users/nobody", false)
		mustErr(t, "unknown local actor", err, resolve.ErrNotFound)
		mustErr(t, "unknown local actor", err, db.ErrNotFound)
		_, _, err = e.r.PublicKey(ctx, l.URL+"/users/nobody#main-key", false)
		mustErr(t, "unknown local key", err, resolve.ErrNotFound)
		for _, domain := range []string{l.Host, "acme.example", "ACME.example"} {
			a, err = e.r.Handle(ctx, "Carol", domain)
			if err != nil || a.ID != carol.ID {
				t.Fatalf("local handle @%s: %v", domain, err)
			}
			uri, err := e.r.WebFinger(ctx, "carol", domain)
			if err != nil || uri != carol.URI {
				t.Fatalf("local WebFinger @%s: %q, %v", domain, uri, err)
			}
		}
		// A remote WebFinger naming a local actor is refused.
		e.peer.webfinger("acct:carol@"+e.peer.Host, carol.URI)
		_, err = e.r.Handle(ctx, "carol", e.peer.Host)
		mustErr(t, "remote handle naming a local actor", err, resolve.ErrSpoofed)
	})
}

func TestPublicKeyByFragment(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		keyID := p.URL + "/users/alice#main-key"
		pub, owner, err := e.r.PublicKey(ctx, keyID, false)
		if err != nil {
			t.Fatal(err)
		}
		sameKey(t, pub, testKey(1))
		if owner != p.URL+"/users/alice" || p.count("/users/alice") != 1 {
			t.Fatalf("owner %q, %d requests", owner, p.count("/users/alice"))
		}
		if a, err := e.db.AccountByKeyID(ctx, keyID); err != nil || a.URI != owner {
			t.Fatalf("actor not stored by the key fetch: %v", err)
		}
		// Known now: from the store.
		pub, _, err = e.r.PublicKey(ctx, keyID, false)
		if err != nil || p.fetches() != 1 || p.total() != 2 {
			t.Fatalf("second lookup: %v, %d requests %v", err, p.total(), p.hits)
		}
		sameKey(t, pub, testKey(1))
	})
}

func TestPublicKeyByPath(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		p.json("/users/turtle", gtsActor(p.URL, "turtle", testKey(2)))
		p.json("/users/turtle/main-key", gtsKeyStub(p.URL, "turtle", testKey(2)))
		keyID := p.URL + "/users/turtle/main-key"
		pub, owner, err := e.r.PublicKey(ctx, keyID, false)
		if err != nil {
			t.Fatal(err)
		}
		sameKey(t, pub, testKey(2))
		if owner != p.URL+"/users/turtle" || p.count("/users/turtle/main-key") != 1 || p.count("/users/turtle") != 1 {
			t.Fatalf("owner %q, requests %v", owner, p.hits)
		}
		if _, _, err := e.r.PublicKey(ctx, keyID, false); err != nil || p.fetches() != 2 || p.total() != 3 {
			t.Fatalf("second lookup: %v, %d requests %v", err, p.total(), p.hits)
		}
	})
}

func TestPublicKeyDocument(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		id := p.URL + "/users/dave"
		keyID := p.URL + "/keys/dave"
		doc := mastodonActor(p.URL, "dave", testKey(3))
		doc["publicKey"] = []any{
			map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": pemOf(testKey(1))},
			map[string]any{"id": keyID, "owner": id, "publicKeyPem": pemOf(testKey(3))},
		}
		p.json("/users/dave", doc)
		// A key document without a type, as some servers serve them.
		p.json("/keys/dave", map[string]any{
			"@context": "https://w3id.org/security/v1", "id": keyID, "owner": id, "publicKeyPem": pemOf(testKey(3)),
		})
		pub, owner, err := e.r.PublicKey(ctx, keyID, false)
		if err != nil {
			t.Fatal(err)
		}
		sameKey(t, pub, testKey(3))
		if owner != id {
			t.Fatalf("owner %q", owner)
		}
		// The main key is the first one the actor owns.
		pub, _, err = e.r.PublicKey(ctx, id+"#main-key", false)
		if err != nil {
			t.Fatal(err)
		}
		sameKey(t, pub, testKey(1))
	})
}

func TestPublicKeyOwnerMismatchRefused(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		other := newPeer(t)
		other.verifier = p.verifier
		alice := p.URL + "/users/alice"
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))

		// Mallory's key document claims Alice, who does not list it.
		p.json("/keys/mallory", map[string]any{"id": p.URL + "/keys/mallory", "type": "CryptographicKey", "owner": alice, "publicKeyPem": pemOf(testKey(5))})
		_, _, err := e.r.PublicKey(ctx, p.URL+"/keys/mallory", false)
		mustErr(t, "key not listed by its owner", err, resolve.ErrSpoofed)

		// A key document whose id is not the URL it was served from.
		p.json("/keys/alice-copy", map[string]any{"id": alice + "#main-key", "owner": alice, "publicKeyPem": pemOf(testKey(5))})
		_, _, err = e.r.PublicKey(ctx, p.URL+"/keys/alice-copy", false)
		mustErr(t, "key document with someone else's key id", err, resolve.ErrSpoofed)

		// An owner on another host.
		other.json("/users/olga", mastodonActor(other.URL, "olga", testKey(5)))
		p.json("/keys/olga", map[string]any{"id": p.URL + "/keys/olga", "owner": other.URL + "/users/olga", "publicKeyPem": pemOf(testKey(5))})
		_, _, err = e.r.PublicKey(ctx, p.URL+"/keys/olga", false)
		mustErr(t, "owner on another host", err, resolve.ErrSpoofed)
		if other.total() != 0 {
			t.Errorf("the other host was asked %d times", other.total())
		}

		// A GoToSocial-style stub naming an owner whose document lists another key.
		p.json("/users/alice/main-key", map[string]any{
			"id": alice, "type": "Person", "preferredUsername": "alice",
			"publicKey": map[string]any{"id": alice + "/main-key", "owner": alice, "publicKeyPem": pemOf(testKey(5))},
		})
		_, _, err = e.r.PublicKey(ctx, alice+"/main-key", false)
		mustErr(t, "stub naming an owner that does not list the key", err, resolve.ErrSpoofed)

		// Nothing was stored under the refused key ids.
		for _, k := range []string{"/keys/mallory", "/users/alice/main-key", "/keys/olga"} {
			if _, err := e.db.AccountByKeyID(ctx, p.URL+k); err == nil {
				t.Errorf("key %s stored", k)
			}
		}
	})
}

func TestPublicKeyConcurrentLookupsFetchOnce(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		p.delay = 200 * time.Millisecond // all lookups overlap the one fetch
		const actors, callers = 5, 40
		for i := range actors {
			name := "user" + string(rune('a'+i))
			p.json("/users/"+name, mastodonActor(p.URL, name, testKey(1+i%5)))
		}
		var wg sync.WaitGroup
		errs := make(chan error, actors*callers)
		for i := range actors * callers {
			name := "user" + string(rune('a'+i%actors))
			wg.Go(func() {
				pub, owner, err := e.r.PublicKey(ctx, p.URL+"/users/"+name+"#main-key", false)
				if err == nil && (pub == nil || owner != p.URL+"/users/"+name) {
					t.Errorf("%s: owner %q", name, owner)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for i := range actors {
			name := "user" + string(rune('a'+i))
			if n := p.count("/users/" + name); n != 1 {
				t.Errorf("%s fetched %d times", name, n)
			}
		}
	})
}

func TestPublicKeyRefresh(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		keyID := p.URL + "/users/alice#main-key"
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		if _, _, err := e.r.PublicKey(ctx, keyID, false); err != nil {
			t.Fatal(err)
		}
		// The key changes under the same id (what signature.Verify's
		// refresh=true is for).
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(2)))
		// Within KeyRefreshInterval a refresh is not a fetch: bad signatures
		// must not turn into a stream of requests.
		pub, _, err := e.r.PublicKey(ctx, keyID, true)
		if err != nil || p.count("/users/alice") != 1 {
			t.Fatalf("refresh within the interval: %v, %d requests", err, p.count("/users/alice"))
		}
		sameKey(t, pub, testKey(1))

		e.reconfigure(func(o *resolve.Options) { o.KeyRefreshInterval = time.Nanosecond })
		pub, owner, err := e.r.PublicKey(ctx, keyID, true)
		if err != nil || p.count("/users/alice") != 2 || owner != p.URL+"/users/alice" {
			t.Fatalf("refresh: %v, %d requests", err, p.count("/users/alice"))
		}
		sameKey(t, pub, testKey(2))
		pub, _, err = e.r.PublicKey(ctx, keyID, false)
		if err != nil {
			t.Fatal(err)
		}
		sameKey(t, pub, testKey(2))
		if p.count("/users/alice") != 2 {
			t.Fatalf("%d requests", p.count("/users/alice"))
		}
	})
}

func TestObject(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		other := newPeer(t)
		other.verifier = p.verifier
		note := func(id string) map[string]any {
			return map[string]any{"id": id, "type": "Note", "attributedTo": p.URL + "/users/alice", "content": "<p>hi</p>"}
		}
		p.json("/notes/1", note(p.URL+"/notes/1"))
		o, err := e.r.Object(ctx, p.URL+"/notes/1")
		if err != nil || o.Content != "<p>hi</p>" {
			t.Fatalf("object: %v", err)
		}
		// Another id on the same host is the host's business.
		p.json("/notes/alias", note(p.URL+"/notes/1"))
		if _, err := e.r.Object(ctx, p.URL+"/notes/alias"); err != nil {
			t.Fatalf("same-host id: %v", err)
		}
		// An id on another host is spoofed.
		p.json("/notes/2", note(other.URL+"/notes/2"))
		_, err = e.r.Object(ctx, p.URL+"/notes/2")
		mustErr(t, "object with an id on another host", err, resolve.ErrSpoofed)
		p.json("/notes/noid", map[string]any{"type": "Note", "content": "x"})
		_, err = e.r.Object(ctx, p.URL+"/notes/noid")
		mustErr(t, "object without id", err, resolve.ErrSpoofed)
		// After a redirect the final host is the authority.
		p.redirect("/notes/3", other.URL+"/notes/3")
		other.json("/notes/3", note(other.URL+"/notes/3"))
		if o, err := e.r.Object(ctx, p.URL+"/notes/3"); err != nil || o.ID != other.URL+"/notes/3" {
			t.Fatalf("redirected object: %v", err)
		}
		p.redirect("/notes/4", other.URL+"/notes/4")
		other.json("/notes/4", note(p.URL+"/notes/4"))
		_, err = e.r.Object(ctx, p.URL+"/notes/4")
		mustErr(t, "redirected object claiming the first host", err, resolve.ErrSpoofed)

		p.status("/notes/gone", 410)
		_, err = e.r.Object(ctx, p.URL+"/notes/gone")
		mustErr(t, "410", err, resolve.ErrGone)
		_, err = e.r.Object(ctx, p.URL+"/notes/missing")
		mustErr(t, "404", err, resolve.ErrNotFound)
	})
}

func TestWebFingerRoundTrip(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		uri := p.URL + "/users/alice"
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		p.webfinger("acct:alice@"+p.Host, uri)

		got, err := e.r.WebFinger(ctx, "alice", p.Host)
		if err != nil || got != uri {
			t.Fatalf("WebFinger: %q, %v", got, err)
		}
		a, err := e.r.Handle(ctx, "alice", p.Host)
		if err != nil || a.URI != uri || a.Acct() != "alice@"+p.Host {
			t.Fatalf("Handle: %v", err)
		}
		wf := "/.well-known/webfinger?acct:alice@" + p.Host
		if p.count(wf) != 2 || p.count("/users/alice") != 1 {
			t.Fatalf("requests %v", p.hits)
		}
		// Known and fresh: no request, whatever the case of the handle.
		for _, h := range []string{"alice", "ALICE", "@Alice"} {
			b, err := e.r.Handle(ctx, h, strings.ToUpper(p.Host))
			if err != nil || b.ID != a.ID {
				t.Fatalf("cached Handle(%q): %v", h, err)
			}
		}
		if p.count(wf) != 2 || p.count("/users/alice") != 1 {
			t.Fatalf("cached handle fetched: %v", p.hits)
		}

		// ld+json with the ActivityStreams profile is as good.
		p.json("/users/bea", mastodonActor(p.URL, "bea", testKey(2)))
		p.set("/.well-known/webfinger?acct:bea@"+p.Host, response{ctype: "application/json", body: `{"subject":"acct:bea@` + p.Host + `","links":[` +
			`{"rel":"self","type":"text/html","href":"` + p.URL + `/@bea"},` +
			`{"rel":"self","type":"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"","href":"` + p.URL + `/users/bea"}]}`})
		if b, err := e.r.Handle(ctx, "bea", p.Host); err != nil || b.URI != p.URL+"/users/bea" {
			t.Fatalf("ld+json link: %v", err)
		}
		// No ActivityPub link, no account.
		p.set("/.well-known/webfinger?acct:cy@"+p.Host, response{ctype: "application/jrd+json", body: `{"subject":"acct:cy@x","links":[{"rel":"self","type":"text/html","href":"` + p.URL + `/@cy"}]}`})
		_, err = e.r.Handle(ctx, "cy", p.Host)
		mustErr(t, "no self link", err, resolve.ErrNotActor)
		_, err = e.r.Handle(ctx, "nobody", p.Host)
		mustErr(t, "unknown handle", err, resolve.ErrNotFound)
		for _, bad := range [][2]string{{"a b", p.Host}, {"a", "evil.example/path"}, {"", p.Host}, {"a@b", p.Host}} {
			if _, err := e.r.Handle(ctx, bad[0], bad[1]); err == nil {
				t.Errorf("Handle(%q, %q) accepted", bad[0], bad[1])
			}
		}
	})
}

func TestHandleWithOtherPreferredUsernameRefused(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		p.webfinger("acct:mallory@"+p.Host, p.URL+"/users/alice")
		_, err := e.r.Handle(ctx, "mallory", p.Host)
		mustErr(t, "handle naming an actor with another username", err, resolve.ErrSpoofed)
		if _, err := e.db.AccountByUsername(ctx, "mallory", p.Host); err == nil {
			t.Error("mallory stored")
		}
	})
}

func TestStaleHandleFallsBackWhenWebFingerFails(t *testing.T) {
	dialects(t, func(t *testing.T, e *env) {
		e.reconfigure(func(o *resolve.Options) { o.RefreshAfter = 200 * time.Millisecond })
		p := e.peer
		p.json("/users/alice", mastodonActor(p.URL, "alice", testKey(1)))
		p.webfinger("acct:alice@"+p.Host, p.URL+"/users/alice")
		if _, err := e.r.Handle(ctx, "alice", p.Host); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		p.status("/.well-known/webfinger?acct:alice@"+p.Host, 502)
		if a, err := e.r.Handle(ctx, "alice", p.Host); err != nil || a.Username != "alice" {
			t.Fatalf("stale handle with WebFinger down: %v", err)
		}
	})
}

// TestCorpusActors feeds the real Mastodon and GoToSocial documents of the
// shared corpus, with their URLs moved to the fake peer.
func TestCorpusActors(t *testing.T) {
	dir := corpusDir(t)
	e := newEnv(t, kontortest.NewDB(t, db.SQLite), nil)
	p := e.peer

	masto := corpusDoc(t, dir, "mastodon/person-propertyvalue-fields.json", "https://masto.qa.urbanwildlife.biz", p.URL)
	p.set("/users/mastodon", response{ctype: "application/activity+json", body: masto})
	a, err := e.r.Actor(ctx, p.URL+"/users/mastodon", false)
	if err != nil {
		t.Fatal(err)
	}
	if a.Username != "mastodon" || a.DisplayName != "Mastodon" || a.SharedInboxURI != p.URL+"/inbox" ||
		a.FeaturedURI != p.URL+"/users/mastodon/collections/featured" || a.CreatedAt.Year() != 2022 || a.Discoverable || a.Locked ||
		!strings.HasSuffix(a.AvatarRemoteURL, "2cf61ff96e94cb1d.png") {
		t.Errorf("Mastodon actor mapped as %+v", a)
	}

	// GoToSocial: the actor, and its key at a path of its own.
	gts := corpusDoc(t, dir, "gotosocial/docs-person.json", "http://example.org", p.URL)
	gts = strings.ReplaceAll(gts, p.URL+"/users/1happyturtle#main-key", p.URL+"/users/1happyturtle/main-key")
	p.set("/users/1happyturtle", response{ctype: "application/activity+json", body: gts})
	stub := corpusDoc(t, dir, "gotosocial/docs-person-key-path-id.json", "https://example.org", p.URL)
	stub = strings.ReplaceAll(stub, "example_user", "1happyturtle")
	// The stub's PEM is another key than the actor's: the actor's listing wins.
	p.set("/users/1happyturtle/main-key", response{ctype: "application/activity+json", body: stub})
	pub, owner, err := e.r.PublicKey(ctx, p.URL+"/users/1happyturtle/main-key", false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.db.AccountByURI(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if b.Username != "1happyturtle" || !b.Locked || len(b.Fields) != 2 || b.Fields[1].Value != "120" || b.SharedInboxURI != "" {
		t.Errorf("GoToSocial actor mapped as %+v", b)
	}
	if !pubEqual(pub, b.PublicKeyPEM) {
		t.Error("key is not the one the actor lists")
	}
}

func pubEqual(pub crypto.PublicKey, pemText string) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	want, err := parsePEM(pemText)
	if err != nil {
		return false
	}
	e, ok := pub.(equaler)
	return ok && e.Equal(want)
}
