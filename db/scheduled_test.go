package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// A publisher holds a due scheduled status by its lease: while the lease
// holds nobody else claims it; a reschedule or a lapsed lease taken over by
// another publisher makes the first one's removal fail (so its transaction
// publishes nothing); retries push the row back, releases hand it back at
// once, drops free its media.
func TestScheduledStatusClaims(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		a := &db.Account{Username: "sched", URI: "http://x/users/sched"}
		if err := store.CreateLocalAccount(ctx, a, &db.User{Email: "sched@example.com"}); err != nil {
			t.Fatal(err)
		}
		media := []*db.MediaAttachment{{AccountID: a.ID, Kind: "image", RemoteURL: "https://files.example/1.png"}}
		if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertRemoteMedia(ctx, media) }); err != nil {
			t.Fatal(err)
		}
		ss := &db.ScheduledStatus{AccountID: a.ID, ScheduledAt: time.Now().Add(time.Hour),
			Params: db.ScheduledParams{Text: "hello", MediaIDs: []int64{media[0].ID}, Poll: &db.ScheduledPoll{Options: []string{"a", "b"}, ExpiresIn: 300}}}
		if err := store.InsertScheduledStatus(ctx, ss); err != nil {
			t.Fatal(err)
		}
		got, err := store.ScheduledStatusByID(ctx, a.ID, ss.ID)
		if err != nil || got.Params.Text != "hello" || got.Params.Poll == nil || got.Params.Poll.ExpiresIn != 300 || len(got.Params.MediaIDs) != 1 {
			t.Fatalf("read back %+v %v", got, err)
		}
		// The same attachment cannot go to a second one.
		dup := &db.ScheduledStatus{AccountID: a.ID, ScheduledAt: time.Now().Add(time.Hour), Params: db.ScheduledParams{MediaIDs: []int64{media[0].ID}}}
		if err := store.InsertScheduledStatus(ctx, dup); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("second use of an attachment: %v", err)
		}
		if n, _ := store.CountScheduledStatuses(ctx, a.ID, time.Time{}, time.Time{}, 0); n != 1 {
			t.Errorf("%d scheduled after a refused insert", n)
		}

		if list, err := store.ClaimDueScheduledStatuses(ctx, 10, time.Minute); err != nil || len(list) != 0 {
			t.Fatalf("claimed a status not due: %v %v", list, err)
		}
		if err := store.RescheduleStatus(ctx, a.ID, ss.ID, time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		first, err := store.ClaimDueScheduledStatuses(ctx, 10, time.Minute)
		if err != nil || len(first) != 1 {
			t.Fatalf("claim: %v %v", first, err)
		}
		if again, _ := store.ClaimDueScheduledStatuses(ctx, 10, time.Minute); len(again) != 0 {
			t.Errorf("claimed twice while the lease holds")
		}
		// Rescheduled while held: the holder may no longer publish it.
		if err := store.RescheduleStatus(ctx, a.ID, ss.ID, time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.PublishedScheduledStatus(ctx, first[0]) }); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a stale lease removed the row: %v", err)
		}
		// A lapsed lease is taken over; only the new holder removes the row.
		short, err := store.ClaimDueScheduledStatuses(ctx, 10, time.Millisecond)
		if err != nil || len(short) != 1 {
			t.Fatalf("claim: %v %v", short, err)
		}
		time.Sleep(5 * time.Millisecond)
		second, err := store.ClaimDueScheduledStatuses(ctx, 10, time.Minute)
		if err != nil || len(second) != 1 {
			t.Fatalf("take over: %v %v", second, err)
		}
		if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.PublishedScheduledStatus(ctx, short[0]) }); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the lapsed holder removed the row: %v", err)
		}
		// A retry keeps it away until its time; a drop frees the media.
		if err := store.RetryScheduledStatus(ctx, second[0], time.Now().Add(time.Hour), "boom"); err != nil {
			t.Fatal(err)
		}
		if list, _ := store.ClaimDueScheduledStatuses(ctx, 10, time.Minute); len(list) != 0 {
			t.Errorf("claimed during its retry delay")
		}
		if got, _ := store.ScheduledStatusByID(ctx, a.ID, ss.ID); got.Attempts != 1 || got.LastError != "boom" {
			t.Errorf("after a retry: %+v", got)
		}
		if err := store.RescheduleStatus(ctx, a.ID, ss.ID, time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		held, _ := store.ClaimDueScheduledStatuses(ctx, 10, time.Minute)
		if len(held) != 1 {
			t.Fatal("not claimable after a reschedule")
		}
		// A publisher that stops hands it back: claimable again at once.
		if err := store.ReleaseScheduledStatus(ctx, held[0]); err != nil {
			t.Fatal(err)
		}
		last, _ := store.ClaimDueScheduledStatuses(ctx, 10, time.Minute)
		if len(last) != 1 {
			t.Fatal("not claimable after a release")
		}
		if err := store.DropScheduledStatus(ctx, last[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := store.ScheduledStatusByID(ctx, a.ID, ss.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("dropped status still there: %v", err)
		}
		if m, err := store.MediaByID(ctx, media[0].ID); err != nil || m.ScheduledStatusID != nil {
			t.Errorf("media after the drop: %+v %v", m, err)
		}
	})
}
