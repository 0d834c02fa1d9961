package db_test

import (
	"context"
	"fmt"
	"testing"

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
			want := func(display string, suspended bool) func(*db.Account) string {
				return func(a *db.Account) string {
					if a.ID != rem.ID || a.DisplayName != display || a.Suspended() != suspended {
						return fmt.Sprintf("id %d display %q suspended %v", a.ID, a.DisplayName, a.Suspended())
					}
					return ""
				}
			}
			checkAccountCache(t, reads, server.ActorByURI, []accountCase{
				{name: "again", key: rem.URI, want: want("Rem", false), fromMem: true},
				{name: "follows alice here", before: follow(server, alice.ID), key: rem.URI, want: want("Rem", false), fromMem: true},
				{name: "follows bob in another process", before: follow(admin, bob.ID), key: rem.URI, want: want("Rem", false), fromMem: true},
				{name: "profile stored anew", before: func() {
					again := &db.Account{Username: "rem", Domain: "b.example", URI: rem.URI, DisplayName: "Rem Renamed"}
					if err := server.UpsertRemoteAccount(ctx, again); err != nil {
						t.Fatal(err)
					}
				}, key: rem.URI, want: want("Rem Renamed", false)},
				{name: "suspended by another process", before: func() {
					if err := admin.SuspendAccount(ctx, rem.ID); err != nil {
						t.Fatal(err)
					}
				}, key: rem.URI, want: want("Rem Renamed", true)},
				{name: "unknown", key: "https://b.example/users/nobody", notFound: true},
				{name: "unknown again", key: "https://b.example/users/nobody", notFound: true},
			})
		})
	}
}
