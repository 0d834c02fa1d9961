package streaming_test

import (
	"context"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Two Kontor processes (nodes) on one PostgreSQL database behind one
// public host: a client of node B sees what is posted through node A, and
// the reverse; notifications, deletes, filters_changed and disconnects
// cross too; the node a post was made on delivers it once.
func TestTwoNodesOneDatabase(t *testing.T) {
	if kontortest.Dialect() != db.Postgres {
		t.Skip("SKIPPED: nodes share events through PostgreSQL LISTEN/NOTIFY; set KONTOR_TEST_DIALECT=postgres and " + kontortest.PostgresEnv)
	}
	ctx := context.Background()
	nodeA := kontortest.Start(t, kontortest.Options{})
	nodeB := kontortest.Start(t, kontortest.Options{NodeOf: nodeA})
	if nodeB.Host != nodeA.Host || nodeB.URL == nodeA.URL {
		t.Fatalf("node B: host %s url %s", nodeB.Host, nodeB.URL)
	}
	alice := nodeA.CreateUser("alice")
	bob := nodeA.CreateUser("bob")
	follow(t, nodeA, bob, alice)

	onB := subscribe(t, nodeB, bob, st("user"), st("public:local"))
	onA := subscribe(t, nodeA, bob, st("user"))

	s := post(t, nodeA, alice, "posted through A", db.Public)
	for range 2 {
		if e := onB.next(); !isStatus("update", s.ID)(e) {
			t.Fatalf("node B: %s %v", e.Event, e.Stream)
		}
	}
	if e := onA.next(); !isStatus("update", s.ID)(e) {
		t.Fatalf("node A: %s", e.Event)
	}
	// Once on A: its own notification from PostgreSQL is not dispatched again.
	marker(t, nodeA, alice, isStatus("update", s.ID), onA)
	onA.noneOf(isStatus("update", s.ID))

	back := post(t, nodeB, alice, "@bob posted through B", db.Public)
	for _, c := range []*client{onA, onB} {
		c.until(isStatus("update", back.ID), nil)
		c.until(func(e event) bool { return e.Event == "notification" && aboutStatus(back.ID)(e) }, nil)
	}

	if _, err := nodeA.Engine().DeleteStatus(ctx, alice.Account, s.ID); err != nil {
		t.Fatal(err)
	}
	onB.until(func(e event) bool { return e.Event == "delete" && *e.Payload == db.FormatID(s.ID) }, nil)

	nodeA.Server.Streaming.FiltersChanged(bob.Account.ID)
	onB.until(func(e event) bool { return e.Event == "filters_changed" }, nil)

	nodeA.Server.Streaming.Disconnect(bob.Account.ID)
	waitConnections(t, nodeB, 0)
}
