package db_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// The home feed is an index of the home rule: whatever happens to a world
// of accounts (statuses, replies, boosts, follows and their requests,
// boosts turned off and on, followed hashtags, blocks, mutes, domain
// blocks, suspensions, edits, deletions, unfollows and re-follows, old
// statuses fetched late, trims, rebuilds), HomeTimeline must return page by
// page, in every paging mode, exactly what the single scan of statuses
// returns. The bounds are small so that backfills stop early, feeds are
// trimmed and pages cross the floor into the scan.
func TestHomeFeedMatchesTheRule(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		defer db.SetHomeFeedBounds(12, 5, 6)()
		seeds := 5
		if store.Dialect() == db.Postgres {
			seeds = 3
		}
		for seed := range seeds {
			w := newWorld(t, store, uint64(seed))
			for step := range 400 {
				w.step()
				if step%40 == 39 {
					w.checkAll(fmt.Sprintf("seed %d step %d", seed, step))
				}
			}
			// The migration's backfill and a rebuild write the same feeds.
			if err := store.RunHomeFeedMigrationBackfill(ctx); err != nil {
				t.Fatal(err)
			}
			w.checkAll(fmt.Sprintf("seed %d after the migration's backfill", seed))
			for _, v := range w.locals {
				if err := store.RebuildHomeFeed(ctx, v); err != nil {
					t.Fatal(err)
				}
			}
			w.checkAll(fmt.Sprintf("seed %d after rebuilds", seed))
		}
	})
}

// A fan-out that misses a status is caught: the test's check fails when a
// row the rule lets through is missing from a feed.
func TestHomeFeedCheckCatchesAMissingRow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		w := newWorld(t, store, 99)
		v, a := w.locals[0], w.remotes[0]
		w.follow(v, a, true, true)
		s := w.post(a, db.Public, nil, nil)
		w.checkAll("before")
		if err := store.BreakHomeFeed(ctx, "DELETE FROM home_feed WHERE account_id = ? AND status_id = ?", v, s.ID); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		w.t = rec
		w.check(v, "broken")
		if !rec.failed {
			t.Error("a feed without a status on the home timeline passed the check")
		}
	})
}

// reporter is what the world reports failures to (a *testing.T, or a
// recorder in the test of the check itself).
type reporter interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

type recorder struct{ failed bool }

func (r *recorder) Helper()                   {}
func (r *recorder) Fatalf(string, ...any)     { r.failed = true; panic(errors.New("fatal")) }
func (r *recorder) Errorf(f string, a ...any) { r.failed = true }

type world struct {
	t       reporter
	ctx     context.Context
	store   *db.DB
	rng     *rand.Rand
	name    string
	locals  []int64
	remotes []int64
	domains []string
	all     []int64
	alive   []*db.Status // statuses (and boosts) not deleted
	tags    []string
	pending [][2]int64
}

func newWorld(t *testing.T, store *db.DB, seed uint64) *world {
	w := &world{t: t, ctx: context.Background(), store: store, rng: rand.New(rand.NewPCG(seed, 7)), name: fmt.Sprintf("w%d", seed)}
	for i := range 4 {
		a := &db.Account{Username: fmt.Sprintf("%sl%d", w.name, i), URI: fmt.Sprintf("http://x/users/%sl%d", w.name, i)}
		if err := store.CreateLocalAccount(w.ctx, a, &db.User{Email: a.Username + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		w.locals = append(w.locals, a.ID)
	}
	w.domains = []string{w.name + "-a.example", w.name + "-b.example"}
	for i := range 6 {
		domain := w.domains[i%2]
		a := &db.Account{Username: fmt.Sprintf("r%d", i), Domain: domain, URI: fmt.Sprintf("https://%s/users/r%d", domain, i)}
		if err := store.UpsertRemoteAccount(w.ctx, a); err != nil {
			t.Fatal(err)
		}
		w.remotes = append(w.remotes, a.ID)
	}
	w.all = append(append([]int64{}, w.locals...), w.remotes...)
	w.tags = []string{w.name + "a", w.name + "b", w.name + "c"}
	return w
}

func (w *world) pick(ids []int64) int64 { return ids[w.rng.IntN(len(ids))] }

func (w *world) isLocal(id int64) bool { return slices.Contains(w.locals, id) }

func (w *world) inTx(fn func(tx *db.Tx) error) {
	w.t.Helper()
	if err := w.store.InTx(w.ctx, fn); err != nil {
		w.t.Fatalf("%v", err)
	}
}

// post stores a status of author (a reply to parent, if any; ID in the past
// one time in six, like a status fetched late).
func (w *world) post(author int64, vis db.Visibility, parent *db.Status, tags []string) *db.Status {
	id := w.store.NewID()
	if w.rng.IntN(6) == 0 {
		id = w.store.IDs().At(time.Now().Add(-time.Duration(1+w.rng.IntN(30*24)) * time.Hour))
	}
	s := &db.Status{ID: id, URI: fmt.Sprintf("https://x/s/%d", id), AccountID: author, Local: w.isLocal(author), Visibility: vis}
	if parent != nil {
		s.InReplyToID, s.InReplyToAccountID = &parent.ID, &parent.AccountID
	}
	var mentions []db.Mention
	if vis >= db.Private || w.rng.IntN(4) == 0 {
		for range w.rng.IntN(3) {
			if m := w.pick(w.all); m != author {
				mentions = append(mentions, db.Mention{AccountID: m})
			}
		}
	}
	w.inTx(func(tx *db.Tx) error {
		return tx.InsertStatus(w.ctx, db.NewStatus{Status: s, Mentions: mentions, Tags: tags})
	})
	w.alive = append(w.alive, s)
	return s
}

func (w *world) boost(booster int64, of *db.Status) {
	id := w.store.NewID()
	s := &db.Status{ID: id, URI: fmt.Sprintf("https://x/s/%d", id), AccountID: booster, Local: w.isLocal(booster),
		Visibility: of.Visibility, ReblogOfID: &of.ID}
	w.inTx(func(tx *db.Tx) error { return tx.InsertStatus(w.ctx, db.NewStatus{Status: s}) })
	w.alive = append(w.alive, s)
}

func (w *world) follow(a, b int64, accepted, reblogs bool) {
	w.inTx(func(tx *db.Tx) error {
		_, err := tx.UpsertFollow(w.ctx, &db.Follow{AccountID: a, TargetAccountID: b, Accepted: accepted, ShowReblogs: reblogs})
		return err
	})
	if !accepted {
		w.pending = append(w.pending, [2]int64{a, b})
	}
}

func (w *world) originals(maxVis db.Visibility) []*db.Status {
	var list []*db.Status
	for _, s := range w.alive {
		if s.ReblogOfID == nil && s.Visibility <= maxVis {
			list = append(list, s)
		}
	}
	return list
}

func (w *world) dropDeleted(gone func(s *db.Status) bool) {
	deleted := map[int64]bool{}
	w.alive = slices.DeleteFunc(w.alive, func(s *db.Status) bool {
		if gone(s) {
			deleted[s.ID] = true
			return true
		}
		return false
	})
	w.alive = slices.DeleteFunc(w.alive, func(s *db.Status) bool { return s.ReblogOfID != nil && deleted[*s.ReblogOfID] })
}

// step does one random thing to the world.
func (w *world) step() {
	w.t.Helper()
	ctx, store := w.ctx, w.store
	r := w.rng.IntN(100)
	switch {
	case r < 36: // a status, maybe a reply, maybe with hashtags
		author := w.pick(w.all)
		vis := []db.Visibility{db.Public, db.Public, db.Public, db.Unlisted, db.Private, db.Direct}[w.rng.IntN(6)]
		var parent *db.Status
		if list := w.originals(db.Direct); len(list) > 0 && w.rng.IntN(5) < 2 {
			parent = list[w.rng.IntN(len(list))]
		}
		var tags []string
		if w.rng.IntN(3) == 0 {
			tags = append(tags, w.tags[w.rng.IntN(len(w.tags))])
		}
		w.post(author, vis, parent, tags)
	case r < 46: // a boost (of a local account's own post too)
		if list := w.originals(db.Unlisted); len(list) > 0 {
			w.boost(w.pick(w.all), list[w.rng.IntN(len(list))])
		}
	case r < 58: // a follow: local accounts mostly, requests sometimes
		a := w.pick(w.locals)
		if w.rng.IntN(5) == 0 {
			a = w.pick(w.remotes)
		}
		if b := w.pick(w.all); b != a {
			w.follow(a, b, w.rng.IntN(4) > 0, w.rng.IntN(3) > 0)
		}
	case r < 62: // a request accepted
		if len(w.pending) > 0 {
			i := w.rng.IntN(len(w.pending))
			p := w.pending[i]
			w.pending = slices.Delete(w.pending, i, i+1)
			w.inTx(func(tx *db.Tx) error {
				f, err := tx.FollowBetween(ctx, p[0], p[1])
				if errors.Is(err, db.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				return tx.AcceptFollow(ctx, f)
			})
		}
	case r < 66: // boosts turned off or on
		a, b := w.pick(w.locals), w.pick(w.all)
		w.inTx(func(tx *db.Tx) error {
			f, err := tx.FollowBetween(ctx, a, b)
			if errors.Is(err, db.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = tx.UpsertFollow(ctx, &db.Follow{AccountID: a, TargetAccountID: b, ShowReblogs: !f.ShowReblogs})
			return err
		})
	case r < 72: // an unfollow
		a, b := w.pick(w.all), w.pick(w.all)
		w.inTx(func(tx *db.Tx) error {
			_, err := tx.DeleteFollow(ctx, a, b)
			if errors.Is(err, db.ErrNotFound) {
				return nil
			}
			return err
		})
	case r < 75: // a block (either way), or one lifted
		a, b := w.pick(w.all), w.pick(w.all)
		if a == b || (!w.isLocal(a) && !w.isLocal(b)) {
			return
		}
		if w.rng.IntN(3) == 0 {
			w.inTx(func(tx *db.Tx) error { return tx.DeleteBlock(ctx, a, b) })
		} else {
			w.inTx(func(tx *db.Tx) error { return tx.InsertBlock(ctx, &db.Block{AccountID: a, TargetAccountID: b}) })
		}
	case r < 78: // a mute (some expired), or one lifted
		a, b := w.pick(w.locals), w.pick(w.all)
		if a == b {
			return
		}
		var err error
		switch w.rng.IntN(3) {
		case 0:
			err = store.UnmuteAccount(ctx, a, b)
		case 1:
			past := time.Now().Add(-time.Hour)
			err = store.MuteAccount(ctx, &db.Mute{AccountID: a, TargetAccountID: b, ExpiresAt: &past})
		default:
			err = store.MuteAccount(ctx, &db.Mute{AccountID: a, TargetAccountID: b})
		}
		if err != nil {
			w.t.Fatalf("%v", err)
		}
	case r < 80: // a user's domain block, or one lifted
		a, d := w.pick(w.locals), w.domains[w.rng.IntN(2)]
		var err error
		if w.rng.IntN(2) == 0 {
			err = store.AddAccountDomainBlock(ctx, a, d)
		} else {
			err = store.RemoveAccountDomainBlock(ctx, a, d)
		}
		if err != nil {
			w.t.Fatalf("%v", err)
		}
	case r < 86: // a hashtag followed or unfollowed
		a, name := w.pick(w.locals), w.tags[w.rng.IntN(len(w.tags))]
		if w.rng.IntN(3) > 0 {
			if _, err := store.FollowTag(ctx, a, name); err != nil {
				w.t.Fatalf("%v", err)
			}
		} else if tag, err := store.TagByName(ctx, name); err == nil {
			if err := store.UnfollowTag(ctx, a, tag.ID); err != nil {
				w.t.Fatalf("%v", err)
			}
		}
	case r < 90: // a deletion (its boosts go with it)
		if len(w.alive) > 0 {
			s := w.alive[w.rng.IntN(len(w.alive))]
			w.inTx(func(tx *db.Tx) error { return tx.DeleteStatus(ctx, s) })
			w.dropDeleted(func(x *db.Status) bool { return x.ID == s.ID })
		}
	case r < 93: // an edit that adds a hashtag
		if list := w.originals(db.Direct); len(list) > 0 {
			s := list[w.rng.IntN(len(list))]
			tags, err := store.StatusTags(ctx, s.ID)
			if err != nil {
				w.t.Fatalf("%v", err)
			}
			names := []string{w.tags[w.rng.IntN(len(w.tags))]}
			for _, t := range tags {
				names = append(names, t.Name)
			}
			w.inTx(func(tx *db.Tx) error {
				return tx.UpdateStatus(ctx, s, db.StatusEditUpdate{Content: "edited", Text: "edited", Tags: names})
			})
		}
	case r < 96: // the periodic trim
		if _, err := store.TrimHomeFeeds(ctx); err != nil {
			w.t.Fatalf("%v", err)
		}
	case r < 97: // a rebuild
		if err := store.RebuildHomeFeed(ctx, w.pick(w.locals)); err != nil {
			w.t.Fatalf("%v", err)
		}
	case r < 99: // a suspension, or one lifted
		a := w.pick(w.all)
		var err error
		if w.rng.IntN(2) == 0 {
			err = store.SuspendAccount(ctx, a)
		} else {
			err = store.UnsuspendAccount(ctx, a)
		}
		if err != nil {
			w.t.Fatalf("%v", err)
		}
	default: // an instance-wide domain block (its statuses go), later lifted
		d := w.domains[w.rng.IntN(2)]
		if w.rng.IntN(2) == 0 {
			if err := store.AddDomainBlock(ctx, d, "test"); err != nil {
				w.t.Fatalf("%v", err)
			}
			gone := map[int64]bool{}
			for i, id := range w.remotes {
				if i%2 == slices.Index(w.domains, d) {
					gone[id] = true
				}
			}
			w.dropDeleted(func(s *db.Status) bool { return gone[s.AccountID] })
			w.pending = slices.DeleteFunc(w.pending, func(p [2]int64) bool { return gone[p[0]] || gone[p[1]] })
		} else if err := store.RemoveDomainBlock(ctx, d); err != nil && !errors.Is(err, db.ErrNotFound) {
			w.t.Fatalf("%v", err)
		}
	}
}

func (w *world) checkAll(when string) {
	w.t.Helper()
	for _, v := range w.locals {
		w.check(v, when)
	}
}

func ids(list []*db.Status) []int64 {
	out := make([]int64, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	return out
}

// check compares viewer's home timeline with the scan of statuses: paging
// down along max_id and up along min_id with several page sizes, and pages
// with random bounds (the floor and its neighbours among them).
func (w *world) check(viewer int64, when string) {
	w.t.Helper()
	ctx, store := w.ctx, w.store
	ref, err := store.HomeTimelineReference(ctx, viewer, db.Page{Limit: 100000})
	if err != nil {
		w.t.Fatalf("%v", err)
	}
	want := ids(ref)
	page := func(p db.Page) []int64 {
		list, err := store.HomeTimeline(ctx, viewer, p)
		if err != nil {
			w.t.Fatalf("%s: %+v: %v", when, p, err)
		}
		return ids(list)
	}
	floor, err := store.HomeFeedFloor(ctx, viewer)
	if err != nil {
		w.t.Fatalf("%v", err)
	}
	for _, limit := range []int{1, 4, 9, 40} {
		var down []int64
		for cursor := int64(0); ; {
			got := page(db.Page{MaxID: cursor, Limit: limit})
			down = append(down, got...)
			if len(got) < limit || len(down) > len(want)+limit {
				break
			}
			cursor = got[len(got)-1]
		}
		if !slices.Equal(down, want) {
			w.t.Errorf("%s: viewer %d (floor %d), pages of %d down along max_id:\n got %v\nwant %v", when, viewer, floor, limit, down, want)
			return
		}
		var up []int64
		for cursor := int64(1); ; {
			got := page(db.Page{MinID: cursor, Limit: limit})
			slices.Reverse(got)
			up = append(up, got...)
			if len(got) < limit || len(up) > len(want)+limit {
				break
			}
			cursor = got[len(got)-1]
		}
		slices.Reverse(up)
		if !slices.Equal(up, want) {
			w.t.Errorf("%s: viewer %d (floor %d), pages of %d up along min_id:\n got %v\nwant %v", when, viewer, floor, limit, up, want)
			return
		}
	}
	cursors := []int64{0, floor - 1, floor, floor + 1}
	for _, id := range want {
		cursors = append(cursors, id-1, id, id+1)
	}
	for range 25 {
		c := func() int64 {
			if w.rng.IntN(3) == 0 {
				return 0
			}
			return max(0, cursors[w.rng.IntN(len(cursors))])
		}
		p := db.Page{MaxID: c(), SinceID: c(), MinID: c(), Limit: 1 + w.rng.IntN(10)}
		if w.rng.IntN(2) == 0 {
			p.MinID = 0
		}
		exp, err := store.HomeTimelineReference(ctx, viewer, p)
		if err != nil {
			w.t.Fatalf("%v", err)
		}
		if got := page(p); !slices.Equal(got, ids(exp)) {
			w.t.Errorf("%s: viewer %d (floor %d), page %+v:\n got %v\nwant %v", when, viewer, floor, p, got, ids(exp))
			return
		}
	}
}
