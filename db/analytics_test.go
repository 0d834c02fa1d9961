package db_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// anWorld is a small instance for the analytics queries: alice posts, a
// local and two remote accounts interact, deliveries succeed and fail.
type anWorld struct {
	t     *testing.T
	store *db.DB
	ctx   context.Context
}

func (w *anWorld) local(name, role string) (*db.Account, *db.User) {
	w.t.Helper()
	a := &db.Account{Username: name, URI: "https://a.example/users/" + name}
	u := &db.User{Email: name + "@a.example", Role: role}
	if err := w.store.CreateLocalAccount(w.ctx, a, u); err != nil {
		w.t.Fatal(err)
	}
	return a, u
}

func (w *anWorld) remote(name, sharedInbox string) *db.Account {
	w.t.Helper()
	a := &db.Account{Username: name, Domain: "remote.example", URI: "https://remote.example/users/" + name,
		InboxURI: "https://remote.example/users/" + name + "/inbox", SharedInboxURI: sharedInbox}
	if err := w.store.UpsertRemoteAccount(w.ctx, a); err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *anWorld) tx(fn func(tx *db.Tx) error) {
	w.t.Helper()
	if err := w.store.InTx(w.ctx, fn); err != nil {
		w.t.Fatal(err)
	}
}

func (w *anWorld) follow(who, whom *db.Account) {
	w.tx(func(tx *db.Tx) error {
		_, err := tx.UpsertFollow(w.ctx, &db.Follow{AccountID: who.ID, TargetAccountID: whom.ID, Accepted: true})
		return err
	})
}

// status stores a status; a local original gets a Create queued to inboxes.
func (w *anWorld) status(author *db.Account, v db.Visibility, text string, replyTo, reblogOf *db.Status, inboxes ...string) *db.Status {
	w.t.Helper()
	id := w.store.NewID()
	s := &db.Status{ID: id, URI: fmt.Sprintf("%s/statuses/%d", author.URI, id), AccountID: author.ID, Local: author.Local(),
		Visibility: v, Text: text}
	if replyTo != nil {
		s.InReplyToID, s.InReplyToAccountID = &replyTo.ID, &replyTo.AccountID
	}
	if reblogOf != nil {
		s.ReblogOfID = &reblogOf.ID
	}
	w.tx(func(tx *db.Tx) error {
		if err := tx.InsertStatus(w.ctx, db.NewStatus{Status: s}); err != nil {
			return err
		}
		if !author.Local() || reblogOf != nil {
			return nil
		}
		actID := w.store.NewID()
		if err := tx.InsertActivity(w.ctx, &db.Activity{ID: actID, URI: s.URI + "/activity", AccountID: author.ID, Type: "Create",
			ObjectURI: s.URI, StatusID: &s.ID, Body: []byte(`{}`)}); err != nil {
			return err
		}
		_, err := tx.EnqueueDeliveries(w.ctx, actID, inboxes, nil)
		return err
	})
	return s
}

func (w *anWorld) favourite(who *db.Account, s *db.Status) {
	w.tx(func(tx *db.Tx) error {
		_, err := tx.InsertFavourite(w.ctx, &db.Favourite{AccountID: who.ID, StatusID: s.ID, URI: fmt.Sprintf("%s/likes/%d", who.URI, s.ID)})
		return err
	})
}

// settle sends every queued delivery: inboxes in failing are given up,
// the others delivered.
func (w *anWorld) settle(failing ...string) {
	w.t.Helper()
	claimed, err := w.store.ClaimDeliveryBatch(w.ctx, 0, 100, time.Minute, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	var outs []db.DeliveryOutcome
	for _, c := range claimed {
		kind := db.Delivered
		for _, f := range failing {
			if c.Inbox == f {
				kind = db.Dropped
			}
		}
		outs = append(outs, db.DeliveryOutcome{ID: c.ID, ActivityID: c.ActivityID, Host: c.Host, ClaimedUntil: *c.ClaimedUntil, Kind: kind})
	}
	if err := w.store.SettleDeliveries(w.ctx, outs); err != nil {
		w.t.Fatal(err)
	}
}

// The analytics queries on both dialects: what counts (others' favourites,
// boosts and replies; inboxes reached; local followers before the post),
// what does not (the author's own interactions, direct messages, boosts as
// posts), frozen samples, daily snapshots, the access rule, and that every
// query is served by indexes.
func TestAnalyticsQueries(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		recorded := store.RecordQueries()
		w := &anWorld{t: t, store: store, ctx: ctx}
		alice, aliceUser := w.local("alice", db.RoleUser)
		carol, carolUser := w.local("carol", db.RoleUser)
		_, adminUser := w.local("root", db.RoleAdmin)
		dave, _ := w.local("dave", db.RoleUser)
		shared := "https://remote.example/inbox"
		r1, r2 := w.remote("r1", shared), w.remote("r2", shared)
		loner := w.remote("loner", "") // no shared inbox: its own inbox gets the post
		w.follow(carol, alice)
		w.follow(r1, alice)
		w.follow(loner, alice)

		start := time.Now().UTC()
		p1 := w.status(alice, db.Public, "Hello\n\n  fediverse, this is our first post", nil, nil, shared, loner.InboxURI)
		p2 := w.status(alice, db.Private, "followers only", nil, nil, shared)
		dm := w.status(alice, db.Direct, "secret", nil, nil, r2.InboxURI)
		own := w.status(alice, db.Public, "1/2 a thread", p1, nil, shared)   // a self-reply is a post, not a reply
		w.settle(loner.InboxURI)                                             // the loner's server refuses: given up
		p3 := w.status(alice, db.Unlisted, "still queued", nil, nil, shared) // not sent yet
		w.follow(dave, alice)                                                // after the posts: not among their local followers

		w.favourite(r1, p1)
		w.favourite(r2, p1)
		w.favourite(carol, p1)
		w.favourite(alice, p1) // her own: not counted
		w.favourite(r1, p2)
		w.status(r1, db.Public, "", nil, p1)               // a boost
		w.status(alice, db.Public, "", nil, p1)            // her own boost: not counted, and not a post
		w.status(r2, db.Public, "@alice nice", p1, nil)    // a reply
		w.status(carol, db.Direct, "@alice psst", p1, nil) // a reply too (only counted)
		w.favourite(r1, dm)

		post, err := store.AnalyticsPost(ctx, p1.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := [...]int64{post.Favourites, post.Boosts, post.Replies, post.Delivered, post.Failed, post.Pending, post.LocalFollowers}
		if want := [...]int64{3, 1, 2, 1, 1, 0, 1}; got != want {
			t.Errorf("p1 favourites, boosts, replies, delivered, failed, pending, local followers = %v, want %v", got, want)
		}
		if post.Text != p1.Text || post.Visibility != db.Public || post.URI != p1.URI || post.AccountID != alice.ID || post.CreatedAt.IsZero() {
			t.Errorf("p1 as a post: %+v", post)
		}
		if post, err := store.AnalyticsPost(ctx, p3.ID); err != nil || post.Pending != 1 || post.Delivered != 0 {
			t.Errorf("p3 still queued: %+v %v", post, err)
		}
		for name, id := range map[string]int64{"direct message": dm.ID, "unknown": 42} {
			if _, err := store.AnalyticsPost(ctx, id); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s as a post: %v", name, err)
			}
		}

		from, to := db.MinIDAt(start.Add(-time.Hour)), db.MinIDAt(time.Now().Add(time.Hour))
		top, err := store.AccountPosts(ctx, db.PostQuery{AccountID: alice.ID, FromID: from, ToID: to, Order: db.TopEngagement, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if ids := anIDs(top); fmt.Sprint(ids) != fmt.Sprint([]int64{p1.ID, p2.ID, p3.ID, own.ID}) {
			t.Errorf("top posts %v, want p1 %d, p2 %d, then the newest of the rest %d %d", ids, p1.ID, p2.ID, p3.ID, own.ID)
		}
		page1, err := store.AccountPosts(ctx, db.PostQuery{AccountID: alice.ID, FromID: from, ToID: to, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		page2, err := store.AccountPosts(ctx, db.PostQuery{AccountID: alice.ID, FromID: from, ToID: to, Before: page1[1].ID, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if ids := anIDs(append(page1, page2...)); fmt.Sprint(ids) != fmt.Sprint([]int64{p3.ID, own.ID, p2.ID, p1.ID}) {
			t.Errorf("newest first in pages: %v", ids)
		}
		if none, err := store.AccountPosts(ctx, db.PostQuery{AccountID: alice.ID, FromID: from, ToID: db.MinIDAt(start.Add(-time.Minute))}); err != nil || len(none) != 0 {
			t.Errorf("posts before the period: %v %v", none, err)
		}
		totals, err := store.AccountPostTotals(ctx, alice.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if want := (db.PostTotals{Posts: 4, Favourites: 4, Boosts: 1, Replies: 2, Delivered: 3, Failed: 1, Pending: 1, LocalFollowers: 4}); totals != want {
			t.Errorf("totals %+v, want %+v", totals, want)
		}

		reach, err := store.AccountReach(ctx, alice.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if want := []db.HostReach{{Host: "remote.example", Delivered: 3, Failed: 1, Activities: 3}}; fmt.Sprint(reach) != fmt.Sprint(want) {
			t.Errorf("reach %+v, want %+v (the direct message left out)", reach, want)
		}
		if reach, err := store.StatusReach(ctx, p1.ID); err != nil || fmt.Sprint(reach) != fmt.Sprint([]db.HostReach{{Host: "remote.example", Delivered: 1, Failed: 1, Activities: 1}}) {
			t.Errorf("reach of p1: %+v %v", reach, err)
		}

		// Samples: one per post and bucket, local followers frozen at the first.
		bucket := time.Now().UTC().Truncate(time.Hour)
		if n, err := store.SampleStatuses(ctx, bucket, from, to, 3); err != nil || n != 3 {
			t.Fatalf("first batch sampled %d, %v", n, err)
		}
		if n, err := store.SampleStatuses(ctx, bucket, from, to, 3); err != nil || n != 1 {
			t.Fatalf("second batch sampled %d, %v", n, err)
		}
		if n, err := store.SampleStatuses(ctx, bucket, from, to, 3); err != nil || n != 0 {
			t.Fatalf("a bucket is sampled once: %d, %v", n, err)
		}
		w.tx(func(tx *db.Tx) error { _, err := tx.DeleteFollow(ctx, carol.ID, alice.ID); return err })
		if post, err := store.AnalyticsPost(ctx, p1.ID); err != nil || post.LocalFollowers != 1 {
			t.Errorf("local followers after carol left: %+v %v (frozen at the first sample)", post, err)
		}
		w.favourite(dave, p1)
		later := bucket.Add(time.Hour)
		if n, err := store.SampleStatuses(ctx, later, from, to, 10); err != nil || n != 4 {
			t.Fatalf("next hour sampled %d, %v", n, err)
		}
		samples, err := store.StatusSamples(ctx, p1.ID, bucket.Add(-time.Hour), later.Add(time.Hour))
		if err != nil || len(samples) != 2 {
			t.Fatalf("samples of p1: %+v %v", samples, err)
		}
		if s := samples[0]; !s.Bucket.Equal(bucket) || s.Favourites != 3 || s.Boosts != 1 || s.Replies != 2 || s.Delivered != 1 || s.Failed != 1 || s.LocalFollowers != 1 || s.SampledAt.IsZero() {
			t.Errorf("first sample %+v", s)
		}
		if s := samples[1]; !s.Bucket.Equal(later) || s.Favourites != 4 || s.LocalFollowers != 1 {
			t.Errorf("second sample %+v", s)
		}
		if s, err := store.StatusSamples(ctx, p1.ID, later, later.Add(time.Hour)); err != nil || len(s) != 1 {
			t.Errorf("samples of one hour: %+v %v", s, err)
		}

		// Daily snapshots: every local account, rewritten only when a counter changes.
		day := time.Now().UTC().Format("2006-01-02")
		if n, err := store.SnapshotLocalAccounts(ctx, day); err != nil || n != 4 {
			t.Fatalf("snapshot wrote %d rows, %v", n, err)
		}
		if n, err := store.SnapshotLocalAccounts(ctx, day); err != nil || n != 0 {
			t.Errorf("unchanged snapshot wrote %d rows, %v", n, err)
		}
		w.follow(carol, alice)
		if err := store.SnapshotAccount(ctx, alice.ID, day); err != nil {
			t.Fatal(err)
		}
		if err := store.SnapshotAccount(ctx, alice.ID, "2000-01-01"); err != nil {
			t.Fatal(err)
		}
		days, err := store.AccountDays(ctx, alice.ID, "2000-01-01", day)
		if err != nil || len(days) != 2 {
			t.Fatalf("days: %+v %v", days, err)
		}
		if d := days[1]; d.Day != day || d.FollowersCount != 4 || d.FollowingCount != 0 || d.StatusesCount != 5 {
			t.Errorf("today's row %+v: want 4 followers (carol back), 5 statuses", d)
		}
		if days, err := store.AccountDays(ctx, alice.ID, day, day); err != nil || len(days) != 1 {
			t.Errorf("one day: %+v %v", days, err)
		}

		for _, c := range []struct {
			name string
			user *db.User
			want bool
		}{{"alice herself", aliceUser, true}, {"an admin", adminUser, true}, {"another user", carolUser, false}} {
			if ok, err := store.MayViewAnalytics(ctx, c.user.ID, alice.ID); err != nil || ok != c.want {
				t.Errorf("%s may view alice's analytics: %v %v", c.name, ok, err)
			}
		}

		// Every analytics query reaches the big tables through indexes.
		var checked int
		for _, q := range recorded() {
			if !anAnalyticsQuery(q) {
				continue
			}
			checked++
			plan, err := store.ExplainPlan(ctx, q)
			if err != nil {
				t.Fatalf("explain %s: %v", q, err)
			}
			for _, line := range plan {
				if anFullScan(store.Dialect(), line) {
					t.Errorf("full scan %q in the plan of\n%s\nplan:\n%s", line, q, strings.Join(plan, "\n"))
				}
			}
		}
		if checked < 10 {
			t.Errorf("only %d analytics queries were checked", checked)
		}
	})
}

func anIDs(list []db.PostStats) []int64 {
	out := make([]int64, len(list))
	for i, p := range list {
		out[i] = p.ID
	}
	return out
}

// anAnalyticsQuery tells the queries of db/analytics.go from the setup's.
func anAnalyticsQuery(q string) bool {
	for _, mark := range []string{"AS local_followers", "delivery_stats ds", "account_stats_daily", "status_stats", "u.role"} {
		if strings.Contains(q, mark) {
			return true
		}
	}
	return false
}

var (
	// SQLite: "SCAN x" reads a whole table or index; the materialised
	// posts (p) and the constant row of EXISTS are fine.
	sqliteScan = regexp.MustCompile(`^SCAN (\w+)`)
	pgSeqScan  = regexp.MustCompile(`Seq Scan on (\w+)`)
	// A search of posts by "reblog_of_id IS NULL" alone walks every
	// original status of the instance: an index in name only.
	allOriginals = regexp.MustCompile(`^SEARCH s USING (COVERING )?INDEX statuses_reblog_of_id \(reblog_of_id=\?\)$|Index Cond: \(reblog_of_id IS NULL\)$`)
)

func anFullScan(dialect, line string) bool {
	if allOriginals.MatchString(line) {
		return true
	}
	if dialect == db.Postgres {
		return pgSeqScan.MatchString(line)
	}
	m := sqliteScan.FindStringSubmatch(line)
	return m != nil && m[1] != "p" && !strings.HasPrefix(line, "SCAN CONSTANT")
}
