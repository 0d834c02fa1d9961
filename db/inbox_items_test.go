package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// Concurrent receivers share INSERTs of inbox items: each returns once its
// own row is stored, and every row is.
func TestInboxItemsInsertedTogether(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				it := &db.InboxItem{ActivityURI: fmt.Sprintf("https://remote.example/activities/%d", i), Signer: "https://remote.example/users/a", Body: []byte(`{"n":1}`)}
				errs <- store.InsertInboxItem(ctx, it, 0)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, err := store.InboxBacklog(ctx); err != nil || got != n {
			t.Fatalf("%d items stored (%v), want %d", got, err, n)
		}
		items, err := store.ClaimInboxItems(ctx, n, 0)
		if err != nil || len(items) != n {
			t.Fatalf("claimed %d (%v)", len(items), err)
		}
		if string(items[0].Body) != `{"n":1}` {
			t.Errorf("body %q", items[0].Body)
		}
	})
}

// CheckIncomingStatus tells a stored status, a tombstone, a local follower
// of the author and one who asked to be notified apart, each on its own.
func TestCheckIncomingStatus(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		alice := &db.Account{Username: "alice", URI: "https://a.example/users/alice"}
		if err := store.CreateLocalAccount(ctx, alice, &db.User{Email: "alice@a.example"}); err != nil {
			t.Fatal(err)
		}
		remote := func(name string) *db.Account {
			a := &db.Account{Username: name, Domain: "remote.example", URI: "https://remote.example/users/" + name,
				InboxURI: "https://remote.example/users/" + name + "/inbox"}
			if err := store.UpsertRemoteAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		bob, carol := remote("bob"), remote("carol")
		check := func(uri string, author *db.Account, want db.IncomingStatus) {
			t.Helper()
			got, err := store.CheckIncomingStatus(ctx, uri, author.ID)
			if err != nil || got != want {
				t.Errorf("%s by %s: %+v (%v), want %+v", uri, author.Username, got, err, want)
			}
		}
		uri := "https://remote.example/users/bob/statuses/1"
		check(uri, bob, db.IncomingStatus{})

		err := store.InTx(ctx, func(tx *db.Tx) error {
			// carol follows bob: a remote follower does not count.
			if _, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: carol.ID, TargetAccountID: bob.ID, Accepted: true}); err != nil {
				return err
			}
			return tx.InsertTombstone(ctx, "https://remote.example/users/bob/statuses/2", bob.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		check(uri, bob, db.IncomingStatus{})
		check("https://remote.example/users/bob/statuses/2", bob, db.IncomingStatus{Tombstoned: true})

		err = store.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: alice.ID, TargetAccountID: bob.ID, Accepted: true}); err != nil {
				return err
			}
			return tx.InsertStatus(ctx, db.NewStatus{Status: &db.Status{ID: store.NewID(), URI: uri, URL: uri, AccountID: bob.ID}})
		})
		if err != nil {
			t.Fatal(err)
		}
		check(uri, bob, db.IncomingStatus{Known: true, Followed: true})
		check("https://remote.example/users/carol/statuses/1", carol, db.IncomingStatus{})

		// alice asks to be notified of bob's posts; carol, remote, of alice's
		// would not count.
		err = store.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: alice.ID, TargetAccountID: bob.ID, Accepted: true, Notify: true})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		check("https://remote.example/users/bob/statuses/3", bob, db.IncomingStatus{Followed: true, Subscribed: true})
	})
}
