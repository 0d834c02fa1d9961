package db_test

import (
	"context"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// TestStatementCache: queries of one shape with different values reuse a
// prepared statement, and each answers with its own values.
func TestStatementCache(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var a, b db.Account
		for _, acct := range []*db.Account{&a, &b} {
			name := map[*db.Account]string{&a: "alice", &b: "bob"}[acct]
			acct.Username, acct.URI = name, "http://x/users/"+name
			if err := store.CreateLocalAccount(ctx, acct, &db.User{Email: name + "@example.com"}); err != nil {
				t.Fatal(err)
			}
		}
		before := store.StatementCacheHits()
		// The pool may hand out another connection each time: enough
		// queries that some connection sees the shape again.
		for range 10 {
			for _, want := range []*db.Account{&a, &b} {
				got, err := store.AccountByID(ctx, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != want.ID || got.Username != want.Username {
					t.Fatalf("AccountByID(%d) answered %d %s", want.ID, got.ID, got.Username)
				}
			}
		}
		if store.StatementCacheHits() == before {
			t.Error("twenty queries of one shape never reused a prepared statement")
		}
	})
}
