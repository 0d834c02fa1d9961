package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Notify stores a notification unless its recipient is not local, blocks
// or is blocked by the sender, mutes the sender with notifications, muted
// the status's thread (a follow is told all the same), or was told the
// same already (for the types that do not repeat); and it asks all of that
// in one statement: a stored notification of an account without push
// subscriptions costs that statement and the insert.
func TestNotifyDecidesInOneStatement(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		alice := &db.Account{Username: "alice", URI: "http://x/users/alice"}
		if err := store.CreateLocalAccount(ctx, alice, nil); err != nil {
			t.Fatal(err)
		}
		remotes := 0
		remote := func() *db.Account {
			remotes++
			a := &db.Account{Username: fmt.Sprintf("r%d", remotes), Domain: "b.example", URI: fmt.Sprintf("https://b.example/users/r%d", remotes)}
			if err := store.UpsertRemoteAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		post := &db.Status{ID: store.NewID(), URI: "http://x/statuses/1", URL: "http://x/statuses/1", AccountID: alice.ID, Text: "hello"}
		if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertStatus(ctx, db.NewStatus{Status: post}) }); err != nil {
			t.Fatal(err)
		}
		inTx := func(fn func(tx *db.Tx) error) {
			t.Helper()
			if err := store.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		reads := store.RecordQueries()
		for _, c := range []struct {
			name   string
			setup  func(from *db.Account) // before the notifications
			to     func(from *db.Account) int64
			types  []string // notified in turn, about the post unless a follow
			stored int
		}{
			{name: "a follow", types: []string{db.NotifyFollow}, stored: 1},
			{name: "a follow twice", types: []string{db.NotifyFollow, db.NotifyFollow}, stored: 1},
			{name: "a favourite twice", types: []string{db.NotifyFavourite, db.NotifyFavourite}, stored: 1},
			{name: "an edit twice (it repeats)", types: []string{db.NotifyUpdate, db.NotifyUpdate}, stored: 2},
			{name: "to a remote account", to: func(*db.Account) int64 { return remote().ID }, types: []string{db.NotifyFollow}},
			{name: "the recipient blocks the sender", setup: func(from *db.Account) {
				inTx(func(tx *db.Tx) error {
					return tx.InsertBlock(ctx, &db.Block{AccountID: alice.ID, TargetAccountID: from.ID})
				})
			}, types: []string{db.NotifyFollow, db.NotifyMention}},
			{name: "the sender blocks the recipient", setup: func(from *db.Account) {
				inTx(func(tx *db.Tx) error {
					return tx.InsertBlock(ctx, &db.Block{AccountID: from.ID, TargetAccountID: alice.ID})
				})
			}, types: []string{db.NotifyFollow, db.NotifyMention}},
			{name: "muted with notifications", setup: func(from *db.Account) {
				if err := store.MuteAccount(ctx, &db.Mute{AccountID: alice.ID, TargetAccountID: from.ID, HideNotifications: true}); err != nil {
					t.Fatal(err)
				}
			}, types: []string{db.NotifyFollow}},
			{name: "muted without notifications", setup: func(from *db.Account) {
				if err := store.MuteAccount(ctx, &db.Mute{AccountID: alice.ID, TargetAccountID: from.ID}); err != nil {
					t.Fatal(err)
				}
			}, types: []string{db.NotifyFollow}, stored: 1},
			{name: "a mute with notifications that expired", setup: func(from *db.Account) {
				past := time.Now().Add(-time.Minute)
				if err := store.MuteAccount(ctx, &db.Mute{AccountID: alice.ID, TargetAccountID: from.ID, HideNotifications: true, ExpiresAt: &past}); err != nil {
					t.Fatal(err)
				}
			}, types: []string{db.NotifyFollow}, stored: 1},
			{name: "a muted thread", setup: func(*db.Account) {
				if err := store.MuteThread(ctx, alice.ID, post.ThreadID); err != nil {
					t.Fatal(err)
				}
			}, types: []string{db.NotifyMention, db.NotifyFavourite, db.NotifyFollow}, stored: 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				from := remote()
				if c.setup != nil {
					c.setup(from)
				}
				to := alice.ID
				if c.to != nil {
					to = c.to(from)
				}
				stored := 0
				for _, typ := range c.types {
					n := &db.Notification{AccountID: to, FromAccountID: from.ID, Type: typ}
					if typ != db.NotifyFollow {
						n.StatusID = &post.ID
					}
					reads()
					var got *db.Notification
					inTx(func(tx *db.Tx) (err error) { got, err = tx.Notify(ctx, n); return err })
					var statements []string
					for _, q := range reads() {
						if !strings.HasPrefix(q, "BEGIN") && !strings.HasPrefix(q, "COMMIT") {
							statements = append(statements, q)
						}
					}
					if got != nil {
						stored++
						if len(statements) != 2 {
							t.Errorf("%s: %d statements, want the check and the insert: %q", typ, len(statements), statements)
						}
					} else if len(statements) != 1 {
						t.Errorf("%s, not stored: %d statements, want the check alone: %q", typ, len(statements), statements)
					}
				}
				if stored != c.stored {
					t.Errorf("%d stored, want %d", stored, c.stored)
				}
			})
		}
	})
}
