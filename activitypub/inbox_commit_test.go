package activitypub_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A step that fails in a batch is undone alone: its rows, seen id,
// counters and callbacks go, the other steps' stay, and only the applied
// items leave the inbox. Batches of one and of several run without
// savepoints first; a failure makes the batch run again with them.
func TestInboxBatchFailingStepUndoesOnlyItself(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	alice := in.CreateUser("alice")
	boom := errors.New("refused")
	for n, c := range []struct {
		name string
		fail []bool // per step
	}{
		{"one ok", []bool{false}},
		{"one failing", []bool{true}},
		{"middle failing", []bool{false, true, false}},
		{"first and last failing", []bool{true, false, true}},
		{"all ok", []bool{false, false, false, false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, err := in.DB.AccountByID(ctx, alice.Account.ID)
			if err != nil {
				t.Fatal(err)
			}
			items := make([]*db.InboxItem, len(c.fail))
			fns := make([]func(*db.Tx) error, len(c.fail))
			targets := make([]int64, len(c.fail))
			var callbacks atomic.Int64
			for i, fail := range c.fail {
				target := in.CreateUser(fmt.Sprintf("c%dt%d", n, i)).Account.ID
				targets[i] = target
				items[i] = &db.InboxItem{ActivityURI: fmt.Sprintf("https://remote.example/activities/%s/%d", t.Name(), i), Signer: "https://remote.example/users/x", Body: []byte("{}")}
				if err := in.DB.InsertInboxItem(ctx, items[i], time.Hour); err != nil {
					t.Fatal(err)
				}
				fns[i] = func(tx *db.Tx) error {
					if _, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: alice.Account.ID, TargetAccountID: target, Accepted: true, ShowReblogs: true}); err != nil {
						return err
					}
					tx.AfterCommit(func() { callbacks.Add(1) })
					if fail {
						return boom
					}
					return nil
				}
			}
			backlog, _ := in.DB.InboxBacklog(ctx)
			out := in.Engine().CommitBatch(ctx, items, fns)
			ok := 0
			for i, fail := range c.fail {
				if fail != errors.Is(out[i], boom) || !fail && out[i] != nil {
					t.Errorf("step %d: %v, want failing %v", i, out[i], fail)
				}
				_, err := in.DB.FollowBetween(ctx, alice.Account.ID, targets[i])
				if fail != errors.Is(err, db.ErrNotFound) {
					t.Errorf("step %d: follow: %v, want it gone %v", i, err, fail)
				}
				var fresh bool
				err = in.DB.InTx(ctx, func(tx *db.Tx) (err error) {
					fresh, err = tx.MarkSeen(ctx, items[i].ActivityURI)
					return err
				})
				if err != nil || fresh != fail {
					t.Errorf("step %d: seen again: fresh %v (%v), want %v", i, fresh, err, fail)
				}
				if !fail {
					ok++
				}
			}
			if n := callbacks.Load(); n != int64(ok) {
				t.Errorf("%d callbacks ran, want %d", n, ok)
			}
			after, err := in.DB.AccountByID(ctx, alice.Account.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := after.FollowingCount - before.FollowingCount; d != int64(ok) {
				t.Errorf("following_count +%d, want +%d", d, ok)
			}
			kontortest.Eventually(t, kontortest.Wait, "the applied items leave the inbox", func() bool {
				now, _ := in.DB.InboxBacklog(ctx)
				return now == backlog-ok
			})
			// and only those
			time.Sleep(50 * time.Millisecond)
			if now, _ := in.DB.InboxBacklog(ctx); now != backlog-ok {
				t.Errorf("inbox holds %d items, want %d (the failed ones)", now, backlog-ok)
			}
			for _, it := range items { // leave nothing for the next case
				in.DB.DeleteInboxItem(ctx, it.ID)
			}
		})
	}
}
