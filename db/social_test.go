package db_test

import (
	"context"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// Two accounts following and unfollowing each other at the same moment
// (or a block undoing both follows) touch the same two counter rows:
// neither side may fail, and the counters end where the follows do.
func TestMutualFollowCountersConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var ids [2]int64
		for i, name := range []string{"a", "b"} {
			a := &db.Account{Username: name, Domain: "remote.example", URI: "https://remote.example/users/" + name}
			if err := store.UpsertRemoteAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			ids[i] = a.ID
		}
		errs := make(chan error, 2)
		for i := range 2 {
			from, to := ids[i], ids[1-i]
			go func() {
				for range 100 {
					err := store.InTx(ctx, func(tx *db.Tx) error {
						_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: from, TargetAccountID: to, Accepted: true})
						return err
					})
					if err == nil {
						err = store.InTx(ctx, func(tx *db.Tx) error {
							_, err := tx.DeleteFollow(ctx, from, to)
							return err
						})
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range ids {
			a, err := store.AccountByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.FollowersCount != 0 || a.FollowingCount != 0 {
				t.Errorf("account %d: %d followers, %d following, want 0 and 0", id, a.FollowersCount, a.FollowingCount)
			}
		}
	})
}
