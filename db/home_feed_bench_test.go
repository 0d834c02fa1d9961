package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// BenchmarkInsertStatusFanOut stores statuses of a local author that 50
// local accounts follow (10 of them its hashtag too): the status row and
// its home feed rows, in one transaction each.
func BenchmarkInsertStatusFanOut(b *testing.B) {
	ctx := context.Background()
	store, err := db.Open(ctx, kontortest.NewDatabaseURL(b, kontortest.Dialect()))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	mk := func(name string) int64 {
		a := &db.Account{Username: name, URI: "http://x/users/" + name}
		if err := store.CreateLocalAccount(ctx, a, &db.User{Email: name + "@example.com"}); err != nil {
			b.Fatal(err)
		}
		return a.ID
	}
	author := mk("author")
	for i := range 50 {
		f := mk(fmt.Sprintf("f%d", i))
		if err := store.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: f, TargetAccountID: author, Accepted: true, ShowReblogs: true})
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if i < 10 {
			if _, err := store.FollowTag(ctx, f, "news"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		id := store.NewID()
		s := &db.Status{ID: id, URI: fmt.Sprintf("http://x/s/%d", id), AccountID: author, Local: true}
		if err := store.InTx(ctx, func(tx *db.Tx) error {
			return tx.InsertStatus(ctx, db.NewStatus{Status: s, Tags: []string{"news"}})
		}); err != nil {
			b.Fatal(err)
		}
	}
}
