package streaming_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// bob on B follows alice on A: her posts, delivered to B's inbox, stream
// to bob's user stream (followers-only too) and, when public, to B's
// public:remote; not to a user of B who blocked A's domain.
func TestRemoteStatusStreams(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice := a.CreateUser("alice")
	bob := b.CreateUser("bob")
	carol := b.CreateUser("carol")
	b.Follow(bob, a, alice)
	remote := b.RemoteAccount(alice, a)
	if err := b.DB.AddAccountDomainBlock(context.Background(), carol.Account.ID, remote.Domain); err != nil {
		t.Fatal(err)
	}
	cBob := subscribe(t, b, bob, st("user"), st("public:remote"), st("public:local"))
	cCarol := subscribe(t, b, carol, st("public"), st("public:remote"))

	s := a.Post(alice, postParams("hello from A", db.Public))
	local := b.WaitStatus(s.URI)
	seen := map[string]bool{}
	for range 2 {
		e := cBob.next()
		if !isStatus("update", local.ID)(e) {
			t.Fatalf("bob: %s %s", e.Event, deref(e.Payload))
		}
		acct, _ := e.status(t)["account"].(map[string]any)
		if acct["acct"] != "alice@"+remote.Domain {
			t.Fatalf("account %v", acct["acct"])
		}
		seen[e.Stream[0]] = true
	}
	if !seen["user"] || !seen["public:remote"] {
		t.Fatalf("streams %v", seen)
	}

	p := a.Post(alice, postParams("followers of A", db.Private))
	privateCopy := b.WaitStatus(p.URI)
	e := cBob.next()
	if !isStatus("update", privateCopy.ID)(e) || !slices.Equal(e.Stream, []string{"user"}) {
		t.Fatalf("private: %s %v", e.Event, e.Stream)
	}
	dave := b.CreateUser("dave")
	marker(t, b, dave, anyOf(local, privateCopy), cCarol)
}
