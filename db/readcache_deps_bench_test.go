package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// BenchmarkContactAndRequestsAfterAPost times what GET /api/v1/instance
// and verify_credentials ask of the store (the instance state, a user's
// count of follow requests) after each federated post, the post itself
// untimed: with the caches kept across the counters a post writes, that is
// the cached answer plus one read of the contact's row.
//
//	go test ./db -run '^$' -bench ContactAndRequestsAfterAPost -benchtime 2000x
func BenchmarkContactAndRequestsAfterAPost(b *testing.B) {
	ctx := context.Background()
	store := kontortest.NewDB(b, kontortest.Dialect())
	confirmed := time.Now()
	boss := &db.Account{Username: "boss", URI: "http://x/users/boss", Locked: true}
	if err := store.CreateLocalAccount(ctx, boss, &db.User{Email: "boss@example.com", Approved: true, ConfirmedAt: &confirmed, Role: db.RoleAdmin}); err != nil {
		b.Fatal(err)
	}
	eve := &db.Account{Username: "eve", Domain: "remote.example", URI: "https://remote.example/users/eve"}
	if err := store.UpsertRemoteAccount(ctx, eve); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		id := store.NewID()
		s := &db.Status{ID: id, URI: fmt.Sprintf("%s/statuses/%d", eve.URI, id), AccountID: eve.ID, Visibility: db.Public}
		if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertStatus(ctx, db.NewStatus{Status: s}) }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		req := db.ReadsSince(ctx, time.Now())
		if _, err := store.InstanceState(req); err != nil {
			b.Fatal(err)
		}
		if _, err := store.CountFollowRequests(req, boss.ID); err != nil {
			b.Fatal(err)
		}
	}
}
