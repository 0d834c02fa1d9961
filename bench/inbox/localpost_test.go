package inbox

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// BenchmarkLocalPosts publishes statuses of a local author, one after the
// other, through the engine (what POST /api/v1/statuses calls): no remote
// followers, so nothing is delivered; 50 local accounts follow the author
// and 10 of them follow the hashtag it uses. It measures what storing a
// status costs on this instance (the home feeds' fan-out included).
//
//	go test ./bench/inbox -run '^$' -bench LocalPosts -benchtime 2000x
func BenchmarkLocalPosts(b *testing.B) {
	in := kontortest.Start(b, kontortest.Options{})
	alice := in.CreateUser("alice")
	ctx := context.Background()
	for i := range 50 {
		name := fmt.Sprintf("reader%d", i)
		a := &db.Account{Username: name, URI: in.URL + "/users/" + name}
		if err := in.DB.CreateLocalAccount(ctx, a, &db.User{Email: name + "@example.com"}); err != nil {
			b.Fatal(err)
		}
		err := in.DB.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: a.ID, TargetAccountID: alice.Account.ID, Accepted: true, ShowReblogs: true})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if i < 10 {
			if _, err := in.DB.FollowTag(ctx, a.ID, "news"); err != nil {
				b.Fatal(err)
			}
		}
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		_, err := in.Engine().PublishStatus(ctx, alice.Account, activitypub.PostParams{
			Text: fmt.Sprintf("Industry news number %d, with a link https://example.com/%d #news", i, i)})
		if err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}
