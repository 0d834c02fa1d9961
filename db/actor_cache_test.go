package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// An actor looked up by the inbox is read once and then served from memory
// while follows move its counters (here or in another process), and read
// afresh once its row may have changed: a profile stored anew here, a
// suspension in another process. A URI not found is asked every time.
func TestActorByURIKeptUntilItsRowChanges(t *testing.T) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			server, admin := twoStores(t, dialect)
			alice := &db.Account{Username: "alice", URI: "http://x/users/alice"}
			bob := &db.Account{Username: "bob", URI: "http://x/users/bob"}
			for _, a := range []*db.Account{alice, bob} {
				if err := server.CreateLocalAccount(ctx, a, nil); err != nil {
					t.Fatal(err)
				}
			}
			rem := &db.Account{Username: "rem", Domain: "b.example", URI: "https://b.example/users/rem", DisplayName: "Rem"}
			if err := server.UpsertRemoteAccount(ctx, rem); err != nil {
				t.Fatal(err)
			}
			// PostgreSQL's notifications of these writes come back a moment
			// later and retire what was read before them: wait for them.
			if err := db.AwaitNotifications(ctx, server); err != nil {
				t.Fatal(err)
			}
			reads := server.RecordQueries()
			if _, err := server.ActorByURI(ctx, rem.URI); err != nil {
				t.Fatal(err)
			}
			follow := func(store *db.DB, target int64) func() {
				return func() {
					if err := store.InTx(ctx, func(tx *db.Tx) error {
						_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: rem.ID, TargetAccountID: target, Accepted: true, ShowReblogs: true})
						return err
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, c := range []struct {
				name      string
				before    func()
				uri       string
				display   string
				suspended bool
				notFound  bool
				fromMem   bool
			}{
				{name: "again", uri: rem.URI, display: "Rem", fromMem: true},
				{name: "follows alice here", before: follow(server, alice.ID), uri: rem.URI, display: "Rem", fromMem: true},
				{name: "follows bob in another process", before: follow(admin, bob.ID), uri: rem.URI, display: "Rem", fromMem: true},
				{name: "profile stored anew", before: func() {
					again := &db.Account{Username: "rem", Domain: "b.example", URI: rem.URI, DisplayName: "Rem Renamed"}
					if err := server.UpsertRemoteAccount(ctx, again); err != nil {
						t.Fatal(err)
					}
				}, uri: rem.URI, display: "Rem Renamed"},
				{name: "suspended by another process", before: func() {
					if err := admin.SuspendAccount(ctx, rem.ID); err != nil {
						t.Fatal(err)
					}
				}, uri: rem.URI, display: "Rem Renamed", suspended: true},
				{name: "unknown", uri: "https://b.example/users/nobody", notFound: true},
				{name: "unknown again", uri: "https://b.example/users/nobody", notFound: true},
			} {
				if c.before != nil {
					c.before()
				}
				// On PostgreSQL another process's write is heard of a moment
				// after its commit: what it changed may take a few tries.
				for try := 0; ; try++ {
					reads()
					a, err := server.ActorByURI(db.ReadsSince(ctx, time.Now()), c.uri)
					q := reads()
					var wrong string
					switch {
					case c.notFound && !errors.Is(err, db.ErrNotFound):
						wrong = fmt.Sprintf("%+v, %v; want ErrNotFound", a, err)
					case !c.notFound && err != nil:
						wrong = err.Error()
					case !c.notFound && (a.ID != rem.ID || a.DisplayName != c.display || a.Suspended() != c.suspended):
						wrong = fmt.Sprintf("id %d display %q suspended %v", a.ID, a.DisplayName, a.Suspended())
					case (len(q) == 0) != c.fromMem:
						wrong = fmt.Sprintf("%d queries, want from memory %v", len(q), c.fromMem)
					}
					if wrong == "" {
						break
					}
					if c.fromMem || try == 100 {
						t.Errorf("%s: %s", c.name, wrong)
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
}
