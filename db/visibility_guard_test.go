package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// guardWorld is one case's accounts: a local viewer who follows a remote
// author and a local booster; the author's public and followers-only
// statuses, the booster's boost of the public one, another account's
// tagged status; and a stranger to block, mute, or whose domain to block,
// who has nothing to do with any of them.
type guardWorld struct {
	t                     *testing.T
	ctx                   context.Context
	store                 *db.DB
	viewer, author, other int64 // other: a remote account on another domain, with a tagged status
	booster, stranger     int64 // stranger: on a third domain, nothing of theirs is read
	domain, otherDomain   string
	strangerDomain        string
	public, private       *db.Status
	boost                 *db.Status
	tagged                *db.Status // a public status by other with #<tag>
	tag, otherTag         string
}

func newGuardWorld(t *testing.T, store *db.DB, n int) *guardWorld {
	ctx := context.Background()
	w := &guardWorld{t: t, ctx: ctx, store: store, domain: fmt.Sprintf("g%d-a.example", n), otherDomain: fmt.Sprintf("g%d-b.example", n),
		strangerDomain: fmt.Sprintf("g%d-c.example", n), tag: fmt.Sprintf("guard%d", n), otherTag: fmt.Sprintf("guardother%d", n)}
	local := func(name string) int64 {
		a := &db.Account{Username: fmt.Sprintf("g%d%s", n, name), URI: fmt.Sprintf("http://x/users/g%d%s", n, name)}
		if err := store.CreateLocalAccount(ctx, a, &db.User{Email: a.Username + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	remote := func(name, domain string) int64 {
		a := &db.Account{Username: name, Domain: domain, URI: fmt.Sprintf("https://%s/users/%s", domain, name)}
		if err := store.UpsertRemoteAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	w.viewer, w.booster = local("viewer"), local("booster")
	w.author, w.other = remote("author", w.domain), remote("other", w.otherDomain)
	w.stranger = remote("stranger", w.strangerDomain)
	w.inTx(func(tx *db.Tx) error {
		for _, target := range []int64{w.author, w.booster} {
			if _, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: w.viewer, TargetAccountID: target, Accepted: true, ShowReblogs: true}); err != nil {
				return err
			}
		}
		return nil
	})
	w.public = w.post(w.author, db.Public, nil, nil)
	w.private = w.post(w.author, db.Private, nil, nil)
	w.boost = w.post(w.booster, db.Public, &w.public.ID, nil)
	w.tagged = w.post(w.other, db.Public, nil, []string{w.tag})
	return w
}

func (w *guardWorld) inTx(fn func(tx *db.Tx) error) {
	w.t.Helper()
	if err := w.store.InTx(w.ctx, fn); err != nil {
		w.t.Fatal(err)
	}
}

func (w *guardWorld) post(author int64, vis db.Visibility, reblogOf *int64, tags []string) *db.Status {
	w.t.Helper()
	id := w.store.NewID()
	s := &db.Status{ID: id, URI: fmt.Sprintf("https://x/s/%d", id), AccountID: author, Visibility: vis, ReblogOfID: reblogOf}
	w.inTx(func(tx *db.Tx) error { return tx.InsertStatus(w.ctx, db.NewStatus{Status: s, Tags: tags}) })
	return s
}

func (w *guardWorld) block(a, b int64) error {
	return w.store.InTx(w.ctx, func(tx *db.Tx) error { return tx.InsertBlock(w.ctx, &db.Block{AccountID: a, TargetAccountID: b}) })
}

// seen is what the viewer gets of the world from each read path.
type seen struct {
	home, public         []int64 // the world's statuses on those timelines
	byID                 []int64 // the author's statuses StatusByID returns
	maySee, reached      bool    // ViewersWhoMaySee and StatusAudience of the public status
	homeOfAudience       bool    // StatusAudience's verdict on the viewer's home
	threadVisiblePublic  bool    // ThreadTree marks the public status visible
	visibleByIDsOfPublic bool    // VisibleStatusesByIDs returns it
}

func (w *guardWorld) look() seen {
	w.t.Helper()
	ctx, store := w.ctx, w.store
	mine := []int64{w.public.ID, w.private.ID, w.boost.ID, w.tagged.ID}
	keep := func(list []*db.Status) []int64 {
		var out []int64
		for _, s := range list {
			if slices.Contains(mine, s.ID) {
				out = append(out, s.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	var r seen
	home, err := store.HomeTimeline(ctx, w.viewer, db.Page{Limit: 40})
	if err != nil {
		w.t.Fatal(err)
	}
	r.home = keep(home)
	public, err := store.PublicTimeline(ctx, db.ViewerOf(w.viewer), db.PublicTimelineFilter{}, db.Page{Limit: 40})
	if err != nil {
		w.t.Fatal(err)
	}
	r.public = keep(public)
	for _, s := range []*db.Status{w.public, w.private} {
		_, err := store.StatusByID(ctx, s.ID, db.ViewerOf(w.viewer))
		switch {
		case err == nil:
			r.byID = append(r.byID, s.ID)
		case !errors.Is(err, db.ErrNotFound):
			w.t.Fatal(err)
		}
	}
	slices.Sort(r.byID)
	may, err := store.ViewersWhoMaySee(ctx, w.public.ID, []int64{w.viewer})
	if err != nil {
		w.t.Fatal(err)
	}
	r.maySee = slices.Contains(may, w.viewer)
	aud, err := store.StatusAudience(ctx, w.public.ID, []int64{w.viewer})
	if err != nil {
		w.t.Fatal(err)
	}
	r.homeOfAudience, r.reached = aud[w.viewer]
	nodes, err := store.ThreadTree(ctx, w.public.ThreadID, db.ViewerOf(w.viewer))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, n := range nodes {
		if n.ID == w.public.ID {
			r.threadVisiblePublic = n.Visible == 1
		}
	}
	byIDs, err := store.VisibleStatusesByIDs(ctx, []int64{w.public.ID}, db.ViewerOf(w.viewer))
	if err != nil {
		w.t.Fatal(err)
	}
	r.visibleByIDsOfPublic = byIDs[w.public.ID] != nil
	return r
}

func sorted(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// The parts of the visibility rule that most viewers have nothing for —
// blocks either way, domain blocks, mutes, followed hashtags — are decided
// once per query, by whether the viewer has any such row, before any row's
// check (unlessNone). Each case reads the world as the viewer before and
// right after one change, through the prepared timelines (read often
// enough for PostgreSQL's generic plan), the status lookups and the
// column-viewer queries, and compares with what the rule says. A change
// that concerns someone else must not hide anything (a guard that hid on
// "has a block" would fail those); a change that concerns the author must
// hide on the very next query (a guard inverted, or on the wrong column,
// would let it through).
func TestVisibilityGuardsApplyOnTheNextQuery(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		type outcome int
		const (
			unchanged outcome = iota
			hidden            // invisible to the viewer everywhere
			muted             // off the timelines and the audience, still there by URL
		)
		cases := []struct {
			name   string
			change func(w *guardWorld) error
			want   outcome
		}{
			{"nothing", func(*guardWorld) error { return nil }, unchanged},
			{"the viewer blocks someone else", func(w *guardWorld) error { return w.block(w.viewer, w.stranger) }, unchanged},
			{"someone else blocks the viewer", func(w *guardWorld) error { return w.block(w.stranger, w.viewer) }, unchanged},
			{"the viewer blocks the author", func(w *guardWorld) error { return w.block(w.viewer, w.author) }, hidden},
			{"the author blocks the viewer", func(w *guardWorld) error { return w.block(w.author, w.viewer) }, hidden},
			{"the viewer blocks another domain", func(w *guardWorld) error { return w.store.AddAccountDomainBlock(w.ctx, w.viewer, w.strangerDomain) }, unchanged},
			{"the viewer blocks the author's domain", func(w *guardWorld) error { return w.store.AddAccountDomainBlock(w.ctx, w.viewer, w.domain) }, hidden},
			{"the viewer mutes someone else", func(w *guardWorld) error {
				return w.store.MuteAccount(w.ctx, &db.Mute{AccountID: w.viewer, TargetAccountID: w.stranger})
			}, unchanged},
			{"the viewer's mute of the author has expired", func(w *guardWorld) error {
				past := time.Now().Add(-time.Hour)
				return w.store.MuteAccount(w.ctx, &db.Mute{AccountID: w.viewer, TargetAccountID: w.author, ExpiresAt: &past})
			}, unchanged},
			{"the viewer mutes the author", func(w *guardWorld) error {
				return w.store.MuteAccount(w.ctx, &db.Mute{AccountID: w.viewer, TargetAccountID: w.author})
			}, muted},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				w := newGuardWorld(t, store, i)
				all := sorted(w.public.ID, w.private.ID, w.boost.ID)
				visible := seen{home: all, public: sorted(w.public.ID, w.tagged.ID), byID: sorted(w.public.ID, w.private.ID),
					maySee: true, reached: true, homeOfAudience: true, threadVisiblePublic: true, visibleByIDsOfPublic: true}
				for range 6 { // PostgreSQL plans a prepared statement generically from the sixth run
					if got := w.look(); !equalSeen(got, visible) {
						t.Fatalf("before: %+v, want %+v", got, visible)
					}
				}
				if err := c.change(w); err != nil {
					t.Fatal(err)
				}
				want := visible
				switch c.want {
				case hidden:
					want = seen{public: []int64{w.tagged.ID}}
				case muted:
					want = seen{public: []int64{w.tagged.ID}, byID: sorted(w.public.ID, w.private.ID), maySee: true, visibleByIDsOfPublic: true}
				}
				if got := w.look(); !equalSeen(got, want) {
					t.Fatalf("after: %+v, want %+v", got, want)
				}
			})
		}

		// Followed hashtags: a status of an account the viewer does not
		// follow is on its home only through a hashtag it follows.
		tagCases := []struct {
			name   string
			follow func(w *guardWorld) string // the hashtag the viewer follows, if any
			onHome bool
		}{
			{"no hashtag followed", func(*guardWorld) string { return "" }, false},
			{"another hashtag followed", func(w *guardWorld) string { return w.otherTag }, false},
			{"the status's hashtag followed", func(w *guardWorld) string { return w.tag }, true},
		}
		for i, c := range tagCases {
			t.Run(c.name, func(t *testing.T) {
				w := newGuardWorld(t, store, 100+i)
				for range 6 {
					if got := w.look(); slices.Contains(got.home, w.tagged.ID) {
						t.Fatalf("before: the tagged status is on the home of a viewer who follows no hashtag")
					}
				}
				if tag := c.follow(w); tag != "" {
					if _, err := store.FollowTag(ctx, w.viewer, tag); err != nil {
						t.Fatal(err)
					}
				}
				if got := w.look(); slices.Contains(got.home, w.tagged.ID) != c.onHome {
					t.Fatalf("after: home %v, tagged status %d on it: want %t", got.home, w.tagged.ID, c.onHome)
				}
				// The home rule itself, for a status stored after the
				// follow (fan-out), with the viewer as a column.
				later := w.post(w.other, db.Public, nil, []string{w.tag})
				aud, err := store.StatusAudience(ctx, later.ID, []int64{w.viewer})
				if err != nil {
					t.Fatal(err)
				}
				if aud[w.viewer] != c.onHome {
					t.Fatalf("audience of a later tagged status: home %t, want %t", aud[w.viewer], c.onHome)
				}
				home, err := store.HomeTimeline(ctx, w.viewer, db.Page{Limit: 40})
				if err != nil {
					t.Fatal(err)
				}
				if slices.ContainsFunc(home, func(s *db.Status) bool { return s.ID == later.ID }) != c.onHome {
					t.Fatalf("later tagged status on home: want %t", c.onHome)
				}
			})
		}
	})
}

func equalSeen(a, b seen) bool {
	return slices.Equal(a.home, b.home) && slices.Equal(a.public, b.public) && slices.Equal(a.byID, b.byID) &&
		a.maySee == b.maySee && a.reached == b.reached && a.homeOfAudience == b.homeOfAudience &&
		a.threadVisiblePublic == b.threadVisiblePublic && a.visibleByIDsOfPublic == b.visibleByIDsOfPublic
}
