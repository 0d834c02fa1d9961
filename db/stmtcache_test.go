package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
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
				got, err := store.LocalAccount(ctx, want.Username) // not in a read cache
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != want.ID || got.Username != want.Username {
					t.Fatalf("LocalAccount(%s) answered %d %s", want.Username, got.ID, got.Username)
				}
			}
		}
		if store.StatementCacheHits() == before {
			t.Error("twenty queries of one shape never reused a prepared statement")
		}
	})
}

// A query PostgreSQL cannot prepare with placeholders (it cannot type a
// value passed to a variadic "any" function) runs as written, every time.
func TestStatementCacheRefusedShape(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		if store.Dialect() != db.Postgres {
			t.Skip("SQLite types every placeholder")
		}
		for i := range 3 {
			var got string
			if err := store.RawScan(context.Background(), "SELECT json_build_object('key', 'value', 'n', 4000)::text", &got); err != nil {
				t.Fatalf("run %d: %v", i, err)
			}
			if got != `{"key" : "value", "n" : 4000}` {
				t.Fatalf("run %d: %s", i, got)
			}
		}
	})
}

// On SQLite a write runs through a statement its connection keeps, whether
// it comes with its arguments (the home feed's fan-out) or, as bun sends
// it, with its values written into the SQL (one statement per shape), and
// it still tells the read caches what it wrote.
func TestStatementCacheWrites(t *testing.T) {
	for _, tc := range []struct {
		name string
		sql  string
		exec func(store *db.DB, ctx context.Context, sql string, args ...any) error
	}{
		{"with arguments", "UPDATE accounts SET note = ?1 WHERE id = ?2", (*db.DB).ExecArgs},
		{"values inlined", "UPDATE accounts SET note = ? WHERE id = ?", (*db.DB).ExecInlined},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store := kontortest.NewDB(t, db.SQLite)
			a := &db.Account{Username: "alice", URI: "http://x/users/alice"}
			if err := store.CreateLocalAccount(ctx, a, &db.User{Email: "alice@example.com"}); err != nil {
				t.Fatal(err)
			}
			if _, err := store.AccountByID(ctx, a.ID); err != nil { // now cached
				t.Fatal(err)
			}
			before := store.StatementCacheHits()
			for _, note := range []string{"first", "second", "third"} {
				if err := tc.exec(store, ctx, tc.sql, note, a.ID); err != nil {
					t.Fatal(err)
				}
			}
			if store.StatementCacheHits()-before < 2 {
				t.Error("three runs of one write shape never reused its statement")
			}
			if got, err := store.AccountByID(ctx, a.ID); err != nil || got.Note != "third" {
				t.Fatalf("after the writes the account reads %q, %v", got.Note, err)
			}
		})
	}
}

// On PostgreSQL a write in a transaction runs through a prepared statement
// of its shape too; one the database will not prepare runs as written, and
// the failed prepare does not abort the transaction (it is tried in a
// savepoint of its own).
func TestStatementCacheWritesInTransactions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		if store.Dialect() != db.Postgres {
			t.Skip("SQLite types every placeholder (TestStatementCacheWrites)")
		}
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		a := &db.Account{Username: "alice", URI: "http://x/users/alice"}
		if err := store.CreateLocalAccount(ctx, a, &db.User{Email: "alice@example.com"}); err != nil {
			t.Fatal(err)
		}
		before := store.StatementCacheHits()
		for _, note := range []string{"first", "second", "third", "fourth"} {
			err := store.InTx(ctx, func(tx *db.Tx) error {
				// PostgreSQL cannot type a placeholder passed to a variadic
				// "any" function: refused, then run as written.
				if err := tx.ExecInlined(ctx, "UPDATE accounts SET display_name = json_build_object('k', ?)::text WHERE id = ?", note, a.ID); err != nil {
					return err
				}
				return tx.ExecInlined(ctx, "UPDATE accounts SET note = ? WHERE id = ?", note, a.ID)
			})
			if err != nil {
				t.Fatalf("%s: %v", note, err)
			}
			got, err := store.AccountByID(ctx, a.ID)
			if err != nil || got.Note != note || !strings.Contains(got.DisplayName, note) {
				t.Fatalf("after the %s transaction the account reads %q, %q, %v", note, got.Note, got.DisplayName, err)
			}
		}
		if store.StatementCacheHits()-before < 2 {
			t.Error("four transactions never reused the statement of one write shape")
		}
	})
}
