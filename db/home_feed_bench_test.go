package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// BenchmarkInsertStatusFanOut stores statuses of a local author that 1 or
// 50 local accounts follow (up to 10 of them its hashtag too): the status
// row and its home feed rows, in one transaction each.
//
//	go test ./db -run '^$' -bench InsertStatusFanOut -benchtime 2000x
func BenchmarkInsertStatusFanOut(b *testing.B) {
	for _, followers := range []int{1, 50} {
		b.Run(fmt.Sprintf("followers=%d", followers), func(b *testing.B) { benchmarkFanOut(b, followers) })
	}
}

func benchmarkFanOut(b *testing.B, followers int) {
	ctx := context.Background()
	store := kontortest.NewDB(b, kontortest.Dialect())
	mk := func(name string) int64 {
		a := &db.Account{Username: name, URI: "http://x/users/" + name}
		if err := store.CreateLocalAccount(ctx, a, &db.User{Email: name + "@example.com"}); err != nil {
			b.Fatal(err)
		}
		return a.ID
	}
	author := mk("author")
	for i := range followers {
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
