package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// A stored key is read once and then served from memory while posts come
// in (their counters are no write of the account's row), and read afresh
// once its account's row is written: a changed key, a key id that moved, a
// key stored after it was asked for in vain.
func TestKeyByIDKeptUntilTheAccountChanges(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		bob := &db.Account{Username: "bob", Domain: "b.example", URI: "https://b.example/users/bob",
			PublicKeyID: "https://b.example/users/bob#main-key", PublicKeyPEM: "pem one"}
		stored := func(a db.Account) {
			t.Helper()
			if err := store.UpsertRemoteAccount(ctx, &a); err != nil {
				t.Fatal(err)
			}
			bob.ID = a.ID
		}
		stored(*bob)
		reads := store.RecordQueries()
		for _, c := range []struct {
			name    string
			before  func()
			keyID   string
			pem     string // "" for not found
			fromMem bool
		}{
			{"first lookup", nil, bob.PublicKeyID, "pem one", false},
			{"again", nil, bob.PublicKeyID, "pem one", true},
			{"after a post of bob", func() {
				s := &db.Status{ID: store.NewID(), URI: "https://b.example/statuses/1", AccountID: bob.ID}
				if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertStatus(ctx, db.NewStatus{Status: s}) }); err != nil {
					t.Fatal(err)
				}
			}, bob.PublicKeyID, "pem one", true},
			{"key changed", func() { b := *bob; b.PublicKeyPEM = "pem two"; stored(b) }, bob.PublicKeyID, "pem two", false},
			{"unknown key", nil, "https://b.example/keys/new", "", false},
			{"unknown key again", nil, "https://b.example/keys/new", "", false},
			{"key id moved there", func() {
				b := *bob
				b.PublicKeyID, b.PublicKeyPEM = "https://b.example/keys/new", "pem three"
				stored(b)
			}, "https://b.example/keys/new", "pem three", false},
			{"old key id", nil, bob.PublicKeyID, "", false},
		} {
			if c.before != nil {
				c.before()
			}
			// On PostgreSQL a write's own notification comes back a moment
			// after its commit and may still retire an entry: a lookup
			// that should come from memory may need a few tries.
			for try := 0; ; try++ {
				reads()
				k, err := store.KeyByID(ctx, c.keyID)
				if c.pem == "" {
					if !errors.Is(err, db.ErrNotFound) {
						t.Errorf("%s: %+v, %v; want ErrNotFound", c.name, k, err)
					}
				} else if err != nil || k.PEM != c.pem || k.OwnerURI != bob.URI {
					t.Errorf("%s: %+v, %v; want %q of %s", c.name, k, err, c.pem, bob.URI)
				}
				q := reads()
				if (len(q) == 0) == c.fromMem {
					break
				}
				if !c.fromMem || try == 50 {
					t.Errorf("%s: %d queries, from memory %v", c.name, len(q), c.fromMem)
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	})
}
