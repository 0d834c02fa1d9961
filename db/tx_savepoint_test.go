package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// The inbox applies several activities in one transaction, each in a
// savepoint: a failing one leaves nothing behind (rows, counters, callbacks)
// and the others commit.
func TestSavepointUndoesOnlyTheFailingPart(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var ids [3]int64
		for i, name := range []string{"a", "b", "c"} {
			a := &db.Account{Username: name, Domain: "remote.example", URI: "https://remote.example/users/" + name}
			if err := store.UpsertRemoteAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			ids[i] = a.ID
		}
		var items [2]*db.InboxItem
		for i := range items {
			items[i] = &db.InboxItem{ActivityURI: "https://remote.example/activities/" + string(rune('1'+i)), Signer: "https://remote.example/users/a", Body: []byte("{}")}
			if err := store.InsertInboxItem(ctx, items[i], 0); err != nil {
				t.Fatal(err)
			}
		}
		refused := errors.New("refused")
		told := 0
		err := store.InTx(ctx, func(tx *db.Tx) error {
			follow := func(target int64, fail error) error {
				fnErr, err := tx.Savepoint(ctx, func() error {
					if _, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: ids[0], TargetAccountID: target, Accepted: true}); err != nil {
						return err
					}
					tx.AfterCommit(func() { told++ })
					return fail
				})
				if err != nil {
					t.Fatal(err)
				}
				return fnErr
			}
			if err := follow(ids[1], nil); err != nil {
				t.Fatal(err)
			}
			if err := follow(ids[2], refused); !errors.Is(err, refused) {
				t.Fatalf("the failing part returned %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.DeleteInboxItems(ctx, []int64{items[0].ID}); err != nil {
			t.Fatal(err)
		}
		if told != 1 {
			t.Errorf("%d callbacks ran after commit, want the kept part's one", told)
		}
		if _, err := store.FollowBetween(ctx, ids[0], ids[1]); err != nil {
			t.Errorf("the kept follow: %v", err)
		}
		if _, err := store.FollowBetween(ctx, ids[0], ids[2]); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the undone follow: %v", err)
		}
		for i, want := range []int64{1, 0} {
			a, err := store.AccountByID(ctx, ids[i+1])
			if err != nil {
				t.Fatal(err)
			}
			if a.FollowersCount != want {
				t.Errorf("%s has %d followers, want %d", a.Username, a.FollowersCount, want)
			}
		}
		if n, _ := store.InboxBacklog(ctx); n != 1 {
			t.Errorf("%d inbox items left, want the one not applied", n)
		}
	})
}
