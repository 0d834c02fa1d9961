package db_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHomeTimeline is the home query of bench/readpath alone (SQLite):
// a viewer with 40 public posts who follows a friend with 10, pages of
// 20; once for a viewer who blocks, mutes and blocks a domain of nobody in
// the page (the per-row checks run) and once for one who has none (the
// viewer-only guards spare them). CPU per page, without HTTP and JSON.
//
//	go test ./db -run '^$' -bench HomeTimeline -count 5
func BenchmarkHomeTimeline(b *testing.B) {
	for _, withRows := range []bool{false, true} {
		b.Run(fmt.Sprintf("blocks-and-mutes=%t", withRows), func(b *testing.B) {
			ctx := context.Background()
			store := kontortest.NewDB(b, db.SQLite)
			newAccount := func(name string) int64 {
				a := &db.Account{Username: name, URI: "http://x/users/" + name}
				if err := store.CreateLocalAccount(ctx, a, &db.User{Email: name + "@example.com"}); err != nil {
					b.Fatal(err)
				}
				return a.ID
			}
			viewer, friend := newAccount("reader"), newAccount("friend")
			post := func(author int64, tags []string) {
				id := store.NewID()
				s := &db.Status{ID: id, URI: fmt.Sprintf("http://x/s/%d", id), AccountID: author, Local: true, Visibility: db.Public}
				if err := store.InTx(ctx, func(tx *db.Tx) error {
					return tx.InsertStatus(ctx, db.NewStatus{Status: s, Tags: tags, Mentions: []db.Mention{{AccountID: friend}}})
				}); err != nil {
					b.Fatal(err)
				}
			}
			if err := store.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: viewer, TargetAccountID: friend, Accepted: true, ShowReblogs: true})
				return err
			}); err != nil {
				b.Fatal(err)
			}
			for i := range 40 {
				var tags []string
				if i%2 == 0 {
					tags = []string{"bench"}
				}
				post(viewer, tags)
				if i%4 == 0 {
					post(friend, []string{"bench"})
				}
			}
			if withRows {
				other := newAccount("other")
				if err := store.InTx(ctx, func(tx *db.Tx) error {
					return tx.InsertBlock(ctx, &db.Block{AccountID: viewer, TargetAccountID: other})
				}); err != nil {
					b.Fatal(err)
				}
				if err := store.MuteAccount(ctx, &db.Mute{AccountID: viewer, TargetAccountID: other}); err != nil {
					b.Fatal(err)
				}
				if err := store.AddAccountDomainBlock(ctx, viewer, "elsewhere.example"); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := processCPU()
			for b.Loop() {
				list, err := store.HomeTimeline(ctx, viewer, db.Page{Limit: 20})
				if err != nil || len(list) != 20 {
					b.Fatalf("%d statuses, %v", len(list), err)
				}
			}
			// The machine is shared: CPU per page says more than ns/op.
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
