package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// ReleaseDeadLeases hands back the rows of the processes named dead and of
// owners no process row names (claimed long enough ago), and nothing else:
// not a live process's rows, not rows leased without an owner.
func TestReleaseDeadLeases(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		acct := &db.Account{Username: "jane", URI: "http://x/users/jane"}
		if err := store.CreateLocalAccount(ctx, acct, &db.User{Email: "jane@example.com"}); err != nil {
			t.Fatal(err)
		}
		live, dead := &db.Process{Hostname: "a"}, &db.Process{Hostname: "b"}
		for _, p := range []*db.Process{live, dead} {
			if err := store.RegisterProcess(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		const orphan = int64(424242)
		owners := []int64{live.ID, dead.ID, orphan, 0}
		err := store.InTx(ctx, func(tx *db.Tx) error {
			id := tx.NewID()
			if err := tx.InsertActivity(ctx, &db.Activity{ID: id, URI: "http://x/a/1", AccountID: acct.ID, Type: "Create", Body: []byte("{}")}); err != nil {
				return err
			}
			var inboxes []string
			for i := range 4 * len(owners) {
				inboxes = append(inboxes, fmt.Sprintf("http://peer.example/%d/inbox", i))
			}
			_, err := tx.EnqueueDeliveries(ctx, id, inboxes, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range owners {
			if rows, err := store.ClaimDeliveryBatch(ctx, o, 4, time.Hour, nil); err != nil || len(rows) != 4 {
				t.Fatalf("claim for %d: %d rows, %v", o, len(rows), err)
			}
		}
		// A fresh orphan claim is kept (its process row may be committing).
		n, err := store.ReleaseDeadLeases(ctx, []int64{dead.ID}, time.Hour, time.Minute)
		if err != nil || n != 4 {
			t.Fatalf("released %d, %v; want the dead process's 4", n, err)
		}
		if n, err := store.ReleaseDeadLeases(ctx, nil, time.Hour, 0); err != nil || n != 4 {
			t.Fatalf("released %d, %v; want the orphan's 4", n, err)
		}
		procs, err := store.Processes(ctx)
		if err != nil || len(procs) != 1 || procs[0].ID != live.ID {
			t.Errorf("processes %+v, %v; want the live one", procs, err)
		}
		// What was released is claimable by anyone; the rest is not.
		rows, err := store.ClaimDeliveryBatch(ctx, 99, 100, time.Hour, nil)
		if err != nil || len(rows) != 8 {
			t.Errorf("claimable after the release: %d, %v; want 8", len(rows), err)
		}
		if ok, err := store.HeartbeatProcess(ctx, dead.ID); ok || err != nil {
			t.Errorf("heartbeat of a forgotten process: %v, %v", ok, err)
		}
	})
}
