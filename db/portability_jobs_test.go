package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// A job is claimed by one process at a time; when that process dies its
// lease runs out and the job is claimed again (attempts counted); a
// finished job is never claimed, and its input is dropped.
func TestPortabilityJobClaims(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		a := &db.Account{Username: "mover", URI: "http://x/users/mover"}
		if err := store.CreateLocalAccount(ctx, a, &db.User{Email: "mover@example.com"}); err != nil {
			t.Fatal(err)
		}
		j := &db.PortabilityJob{AccountID: a.ID, Kind: "follows", Mode: "merge", Input: []byte("a@b.example\n"), Total: 1}
		if err := store.InsertPortabilityJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, err := store.ClaimPortabilityJob(ctx, 50*time.Millisecond)
		if err != nil || got == nil || got.ID != j.ID || got.State != db.JobRunning || got.Attempts != 1 || string(got.Input) != "a@b.example\n" {
			t.Fatalf("first claim: %+v %v", got, err)
		}
		if again, err := store.ClaimPortabilityJob(ctx, time.Minute); err != nil || again != nil {
			t.Fatalf("claimed while leased: %+v %v", again, err)
		}
		time.Sleep(80 * time.Millisecond) // the claiming process "died"
		got, err = store.ClaimPortabilityJob(ctx, time.Minute)
		if err != nil || got == nil || got.ID != j.ID || got.Attempts != 2 {
			t.Fatalf("claim after the lease ran out: %+v %v", got, err)
		}
		got.State, got.Progress, got.Result = db.JobDone, 1, `{"done":1}`
		if err := store.FinishPortabilityJob(ctx, got); err != nil {
			t.Fatal(err)
		}
		if again, err := store.ClaimPortabilityJob(ctx, time.Minute); err != nil || again != nil {
			t.Fatalf("a finished job was claimed: %+v %v", again, err)
		}
		list, err := store.PortabilityJobs(ctx, a.ID, []string{"follows"}, 10)
		if err != nil || len(list) != 1 || list[0].State != db.JobDone || list[0].Result != `{"done":1}` || list[0].Input != nil {
			t.Fatalf("jobs: %+v %v", list, err)
		}
	})
}
