package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Remote statuses take their IDs from publication times given to the
// second, so two can draw the same ID: both must be stored, and a status
// already known by its URI must be a clean ErrConflict that leaves the
// transaction usable (PostgreSQL aborts a transaction on a failed insert).
func TestInsertStatusIDCollisions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		author := &db.Account{Username: "r", Domain: "remote.example", URI: "https://remote.example/users/r"}
		if err := store.UpsertRemoteAccount(ctx, author); err != nil {
			t.Fatal(err)
		}
		id := store.IDs().At(time.Now().Add(-time.Hour).Truncate(time.Second))
		first := &db.Status{ID: id, URI: "https://remote.example/s/1", AccountID: author.ID}
		second := &db.Status{ID: id, URI: "https://remote.example/s/2", AccountID: author.ID}
		again := &db.Status{ID: store.NewID(), URI: first.URI, AccountID: author.ID}
		var conflictErr error
		err := store.InTx(ctx, func(tx *db.Tx) error {
			if err := tx.InsertStatus(ctx, db.NewStatus{Status: first}); err != nil {
				return err
			}
			if err := tx.InsertStatus(ctx, db.NewStatus{Status: second}); err != nil {
				return err
			}
			conflictErr = tx.InsertStatus(ctx, db.NewStatus{Status: again})
			// The transaction goes on after the conflict.
			return tx.InsertStatus(ctx, db.NewStatus{Status: &db.Status{ID: store.NewID(), URI: "https://remote.example/s/3", AccountID: author.ID}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(conflictErr, db.ErrConflict) {
			t.Errorf("a known URI: %v, want ErrConflict", conflictErr)
		}
		if second.ID == first.ID {
			t.Fatalf("the colliding status kept id %d", second.ID)
		}
		if second.ThreadID != second.ID {
			t.Errorf("thread of the re-numbered status: %d, want its own id %d", second.ThreadID, second.ID)
		}
		if got, want := db.IDTime(second.ID), db.IDTime(first.ID); !got.Equal(want) {
			t.Errorf("re-numbered status dated %v, want %v", got, want)
		}
		for _, s := range []*db.Status{first, second} {
			got, err := store.StatusByURI(ctx, s.URI)
			if err != nil || got.ID != s.ID {
				t.Errorf("%s: %v, id %d want %d", s.URI, err, got.ID, s.ID)
			}
		}
		if n, err := store.CountStatuses(ctx); err != nil || n != 3 {
			t.Errorf("statuses stored: %d (%v), want 3", n, err)
		}
	})
}
