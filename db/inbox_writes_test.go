package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// The inbox's writes per stored Create (the item, the status, the card
// fetch) read nothing back: on SQLite a RETURNING gathers its rows in a
// temporary b-tree on every run. What they store is unchanged.
func TestInboxWritesReturnNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		bob := &db.Account{Username: "bob", Domain: "b.example", URI: "https://b.example/users/bob"}
		if err := store.UpsertRemoteAccount(ctx, bob); err != nil {
			t.Fatal(err)
		}
		parent := &db.Status{ID: store.NewID(), URI: "https://b.example/statuses/1", AccountID: bob.ID, Content: "<p>first</p>"}
		s := &db.Status{ID: store.NewID(), URI: "https://b.example/statuses/2", AccountID: bob.ID, Content: "<p>reply</p>",
			InReplyToID: &parent.ID, InReplyToAccountID: &bob.ID}
		stop := store.RecordQueries()
		for _, c := range []struct {
			name  string
			write func() error
		}{
			{"inbox item", func() error {
				return store.InsertInboxItem(ctx, &db.InboxItem{ActivityURI: "https://b.example/activities/1", Signer: bob.URI, RecipientID: &bob.ID, Body: []byte(`{}`)}, 0)
			}},
			{"status", func() error {
				return store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertStatus(ctx, db.NewStatus{Status: parent}) })
			}},
			{"reply", func() error {
				return store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertStatus(ctx, db.NewStatus{Status: s}) })
			}},
			{"card fetch", func() error {
				return store.InTx(ctx, func(tx *db.Tx) error { return tx.QueueStatusCard(ctx, s.ID, "https://c.example/") })
			}},
			{"card fetch again", func() error {
				return store.InTx(ctx, func(tx *db.Tx) error { return tx.QueueStatusCard(ctx, s.ID, "https://c.example/") })
			}},
		} {
			if err := c.write(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		for _, q := range stop() {
			if strings.Contains(q, "RETURNING") {
				t.Errorf("%.80s… reads rows back", q)
			}
		}
		items, err := store.ClaimInboxItems(ctx, 10, 0)
		if err != nil || len(items) != 1 || items[0].RecipientID == nil || *items[0].RecipientID != bob.ID {
			t.Fatalf("inbox items %+v (%v)", items, err)
		}
		got, err := store.StatusByURI(ctx, s.URI)
		if err != nil {
			t.Fatal(err)
		}
		if got.InReplyToID == nil || *got.InReplyToID != parent.ID || got.ThreadID != parent.ID || got.EditedAt != nil || got.ReblogOfID != nil {
			t.Errorf("stored reply %+v", got)
		}
	})
}
