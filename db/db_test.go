package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// dialects are the stores a db test runs on: SQLite always, PostgreSQL when
// KONTOR_TEST_POSTGRES_URL is set (skipped loudly otherwise).
func forEachDialect(t *testing.T, fn func(t *testing.T, store *db.DB)) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			url := kontortest.NewDatabaseURL(t, dialect)
			store, err := db.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			fn(t, store)
		})
	}
}

func TestMigrateFromEmpty(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		states, err := store.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) == 0 {
			t.Fatal("no migrations found")
		}
		for _, s := range states {
			if s.Applied {
				t.Fatalf("fresh database has %s applied", s.Name)
			}
		}
		applied, err := store.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != len(states) {
			t.Errorf("applied %d of %d migrations", len(applied), len(states))
		}
		again, err := store.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Errorf("second migrate applied %v, err %v", again, err)
		}
		states, _ = store.MigrationStatus(ctx)
		for _, s := range states {
			if !s.Applied {
				t.Errorf("%s not applied", s.Name)
			}
		}
	})
}

func TestCreateLocalAccountConflicts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		mk := func(username, email string) error {
			return store.CreateLocalAccount(ctx, &db.Account{Username: username, URI: "http://x/users/" + username}, &db.User{Email: email})
		}
		if err := mk("Jane", "jane@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := mk("jane", "other@example.com"); !errors.Is(err, db.ErrUsernameTaken) {
			t.Errorf("same username in other case: %v, want ErrUsernameTaken", err)
		}
		if err := mk("john", "JANE@example.com"); !errors.Is(err, db.ErrEmailTaken) {
			t.Errorf("same email in other case: %v, want ErrEmailTaken", err)
		}
		a, err := store.LocalAccount(ctx, "JANE")
		if err != nil || a.Username != "Jane" {
			t.Fatalf("case-insensitive lookup: %v %v", a, err)
		}
		u, err := store.UserByLogin(ctx, "Jane@Example.com")
		if err != nil || u.AccountID != a.ID || u.Account == nil || u.Account.Username != "Jane" {
			t.Fatalf("UserByLogin by email: %+v %v", u, err)
		}
		if _, err := store.UserByLogin(ctx, "jane"); err != nil {
			t.Fatalf("UserByLogin by username: %v", err)
		}
		if _, err := store.LocalAccount(ctx, "nobody"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown account: %v", err)
		}
		// Nothing half-written by the refused attempts.
		list, err := store.LocalAccounts(ctx)
		if err != nil || len(list) != 1 {
			t.Errorf("accounts after conflicts: %d, %v", len(list), err)
		}
	})
}

func TestTokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		a := &db.Account{Username: "bot", URI: "http://x/users/bot"}
		u := &db.User{Email: "bot@example.com"}
		if err := store.CreateLocalAccount(ctx, a, u); err != nil {
			t.Fatal(err)
		}
		tok, err := store.CreateToken(ctx, db.NewToken{UserID: &u.ID, AccountID: &a.ID, Scopes: []string{"read", "write"}})
		if err != nil {
			t.Fatal(err)
		}
		if tok.TokenHash == tok.AccessToken || len(tok.AccessToken) < 40 {
			t.Fatalf("token must be long and stored hashed: %q", tok.AccessToken)
		}
		got, err := store.TokenByPlaintext(ctx, tok.AccessToken)
		if err != nil || got.Scopes != "read write" || *got.AccountID != a.ID {
			t.Fatalf("lookup: %+v %v", got, err)
		}
		if err := store.SuspendAccount(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.TokenByPlaintext(ctx, tok.AccessToken); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("token of a suspended account still works: %v", err)
		}
	})
}
