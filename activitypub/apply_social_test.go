package activitypub_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

const public = "https://www.w3.org/ns/activitystreams#Public"

// lock locks (or unlocks) a local account for a test.
func (w *world) lock(u *kontortest.User, locked bool) {
	w.t.Helper()
	u.Account.Locked = locked
	if err := w.in.DB.UpdateAccountProfile(ctx, u.Account); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) follow(follower, target int64) *db.Follow {
	w.t.Helper()
	f, err := w.in.DB.FollowBetween(ctx, follower, target)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return f
}

// received returns the activities the fake server got of a type.
func (w *world) received(typ string) []map[string]any {
	var out []map[string]any
	for _, r := range w.fs.Received() {
		var doc map[string]any
		if json.Unmarshal(r.Body, &doc) == nil && doc["type"] == typ {
			out = append(out, doc)
		}
	}
	return out
}

// Follow and Accept: carol and rem ask to follow locked alice, who accepts
// both; carol's follow of rem is accepted by rem's Accept as dave accepts
// hers.
func TestApplyFollowAcceptSameBothWays(t *testing.T) {
	w := newWorld(t)
	w.lock(w.alice, true)
	alice := w.alice.Account.ID

	if _, err := w.e.Follow(ctx, w.carol.Account, w.alice.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	local := w.rec.take(w.names(w.carol.Account.ID, nil))
	w.send(w.rem.Activity("Follow", "follows/1", w.alice.Account.URI, nil))
	remote := w.rec.take(w.names(w.remAcct.ID, nil))
	same(t, "follow", local, remote, []string{"notified follow_request to=alice from=actor status=- reblog_of=-"})
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		if f := w.follow(a, alice); f == nil || f.Accepted {
			t.Errorf("follow of %d: %+v", a, f)
		}
	}
	w.checkNotified(alice, db.NotifyFollowRequest, map[int64]int64{w.carol.Account.ID: 0, w.remAcct.ID: 0})

	// alice accepts both through the same step: the request notification
	// becomes a follow notification; rem is sent the Accept.
	if err := w.e.AuthorizeFollowRequest(ctx, w.alice.Account, w.carol.Account); err != nil {
		t.Fatal(err)
	}
	local = w.rec.take(w.names(w.carol.Account.ID, nil))
	if err := w.e.AuthorizeFollowRequest(ctx, w.alice.Account, w.remAcct); err != nil {
		t.Fatal(err)
	}
	remote = w.rec.take(w.names(w.remAcct.ID, nil))
	same(t, "authorize", local, remote, []string{"notified follow to=alice from=actor status=- reblog_of=-"})
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		if f := w.follow(a, alice); f == nil || !f.Accepted {
			t.Errorf("follow of %d after the accept: %+v", a, f)
		}
	}
	w.checkNotified(alice, db.NotifyFollow, map[int64]int64{w.carol.Account.ID: 0, w.remAcct.ID: 0})
	if n := notifiedBy(t, w.in, alice, db.NotifyFollowRequest); len(n) != 0 {
		t.Errorf("request notifications left: %v", n)
	}
	kontortest.Eventually(t, kontortest.Wait, "rem to receive the Accept", func() bool { return len(w.received("Accept")) == 1 })

	// An incoming Accept of carol's follow of rem does what dave's accept
	// of her request does.
	w.lock(w.dave, true)
	if _, err := w.e.Follow(ctx, w.carol.Account, w.dave.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.e.AuthorizeFollowRequest(ctx, w.dave.Account, w.carol.Account); err != nil {
		t.Fatal(err)
	}
	if _, err := w.e.Follow(ctx, w.carol.Account, w.remAcct, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	if f := w.follow(w.carol.Account.ID, w.remAcct.ID); f == nil || f.Accepted {
		t.Fatalf("carol's follow of rem before its Accept: %+v", f)
	}
	kontortest.Eventually(t, kontortest.Wait, "rem to receive the Follow", func() bool { return len(w.received("Follow")) == 1 })
	follow := w.received("Follow")[0]
	w.send(w.rem.Activity("Accept", "accepts/1", follow, nil))
	for _, target := range []int64{w.dave.Account.ID, w.remAcct.ID} {
		if f := w.follow(w.carol.Account.ID, target); f == nil || !f.Accepted {
			t.Errorf("carol's follow of %d: %+v", target, f)
		}
	}
	if a, _ := w.in.DB.AccountByID(ctx, w.carol.Account.ID); a.FollowingCount != 3 {
		t.Errorf("carol follows %d accounts, want 3", a.FollowingCount)
	}

	// Undo: both follows of alice end, with their notifications.
	if err := w.e.Unfollow(ctx, w.carol.Account, w.alice.Account); err != nil {
		t.Fatal(err)
	}
	w.send(w.rem.Activity("Undo", "follows/1/undo", w.rem.ID+"/follows/1", nil))
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		if f := w.follow(a, alice); f != nil {
			t.Errorf("follow of %d after the undo: %+v", a, f)
		}
	}
	if n := notifiedBy(t, w.in, alice, db.NotifyFollow); len(n) != 0 {
		t.Errorf("follow notifications left: %v", n)
	}
}

// Block: carol and rem, both following alice, block her.
func TestApplyBlockSameBothWays(t *testing.T) {
	w := newWorld(t)
	alice := w.alice.Account.ID
	if _, err := w.e.Follow(ctx, w.carol.Account, w.alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	w.send(w.rem.Activity("Follow", "follows/1", w.alice.Account.URI, nil))
	w.rec.take(nil)

	if err := w.e.Block(ctx, w.carol.Account, w.alice.Account); err != nil {
		t.Fatal(err)
	}
	local := w.rec.take(w.names(w.carol.Account.ID, nil))
	w.send(w.rem.Activity("Block", "blocks/1", w.alice.Account.URI, nil))
	remote := w.rec.take(w.names(w.remAcct.ID, nil))
	same(t, "block", local, remote, []string{})
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		if uri, err := w.in.DB.BlockURI(ctx, a, alice); err != nil || uri == "" {
			t.Errorf("block by %d: %q %v", a, uri, err)
		}
		if f := w.follow(a, alice); f != nil {
			t.Errorf("follow of %d outlived the block: %+v", a, f)
		}
	}
	if a, _ := w.in.DB.AccountByID(ctx, alice); a.FollowersCount != 0 {
		t.Errorf("alice has %d followers after the blocks", a.FollowersCount)
	}
	// Nobody follows across the block, from either side.
	if _, err := w.e.Follow(ctx, w.alice.Account, w.carol.Account, activitypub.FollowOptions{}); !errors.Is(err, activitypub.ErrForbidden) {
		t.Errorf("alice following carol who blocks her: %v", err)
	}

	if err := w.e.Unblock(ctx, w.carol.Account, w.alice.Account); err != nil {
		t.Fatal(err)
	}
	w.send(w.rem.Activity("Undo", "blocks/1/undo", map[string]any{"id": w.rem.ID + "/blocks/1", "type": "Block",
		"actor": w.rem.ID, "object": w.alice.Account.URI}, nil))
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		if _, err := w.in.DB.BlockURI(ctx, a, alice); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("block by %d after the undo: %v", a, err)
		}
	}
}

// pinned lists the statuses an account pinned.
func (w *world) pinned(account int64) []*db.Status {
	w.t.Helper()
	list, err := w.in.DB.AccountStatuses(ctx, account, db.Anonymous, db.AccountStatusesFilter{Pinned: true}, db.Page{Limit: 10})
	if err != nil {
		w.t.Fatal(err)
	}
	return list
}

// Pins: carol pins a post (rem, her follower, is sent the Add) and rem
// pins one of its posts with an Add to its featured collection.
func TestApplyPinSameBothWays(t *testing.T) {
	w := newWorld(t)
	featured := w.rem.ID + "/collections/featured"
	w.send(w.rem.Activity("Follow", "follows/1", w.carol.Account.URI, nil))
	own := w.in.Post(w.carol, activitypub.PostParams{Text: "pin me", Visibility: db.Public})
	w.send(w.rem.Activity("Create", "statuses/1/activity", w.remNote("1", "<p>@alice pin me</p>", w.alice), nil))
	remOwn := w.in.StatusByURI(w.rem.ID + "/statuses/1")
	if remOwn == nil {
		t.Fatal("rem's post was not stored")
	}
	w.rec.take(nil)

	if err := w.e.Pin(ctx, w.carol.Account, own.ID); err != nil {
		t.Fatal(err)
	}
	local := w.rec.take(w.names(w.carol.Account.ID, nil))
	w.send(w.rem.Activity("Add", "adds/1", remOwn.URI, map[string]any{"target": featured}))
	remote := w.rec.take(w.names(w.remAcct.ID, nil))
	same(t, "pin", local, remote, []string{})
	for a, s := range map[int64]*db.Status{w.carol.Account.ID: own, w.remAcct.ID: remOwn} {
		if p := w.pinned(a); len(p) != 1 || p[0].ID != s.ID {
			t.Errorf("pins of %d: %v", a, p)
		}
	}
	kontortest.Eventually(t, kontortest.Wait, "rem to receive the Add", func() bool { return len(w.received("Add")) == 1 })
	add := w.received("Add")[0]
	if add["object"] != own.URI || add["target"] != w.carol.Account.FeaturedURI || add["actor"] != w.carol.Account.URI {
		t.Errorf("the Add rem got: %v", add)
	}

	// The same refusals both ways: someone else's post, a private post, a
	// collection that is not the actor's own featured one.
	if err := w.e.Pin(ctx, w.carol.Account, remOwn.ID); err == nil {
		t.Error("carol pinned rem's post")
	}
	w.send(w.rem.Activity("Add", "adds/2", own.URI, map[string]any{"target": featured}))
	private := w.in.Post(w.carol, activitypub.PostParams{Text: "private", Visibility: db.Private})
	var inErr *activitypub.InputError
	if err := w.e.Pin(ctx, w.carol.Account, private.ID); !errors.As(err, &inErr) {
		t.Errorf("pinning a private post: %v", err)
	}
	w.send(w.rem.Activity("Create", "statuses/2/activity", w.rem.Note("2", "<p>@alice for followers</p>", map[string]any{
		"to": []any{w.rem.ID + "/followers"}, "cc": []any{w.alice.Account.URI},
		"tag": []any{map[string]any{"type": "Mention", "href": w.alice.Account.URI}}}), nil))
	w.send(w.rem.Activity("Add", "adds/3", w.rem.ID+"/statuses/2", map[string]any{"target": featured}))
	w.send(w.rem.Activity("Add", "adds/4", remOwn.URI, map[string]any{"target": w.carol.Account.FeaturedURI}))
	for a, n := range map[int64]int{w.carol.Account.ID: 1, w.remAcct.ID: 1} {
		if p := w.pinned(a); len(p) != n {
			t.Errorf("%d has %d pins after the refused ones, want %d", a, len(p), n)
		}
	}

	// Unpin.
	if err := w.e.Unpin(ctx, w.carol.Account, own.ID); err != nil {
		t.Fatal(err)
	}
	w.send(w.rem.Activity("Remove", "removes/1", remOwn.URI, map[string]any{"target": featured}))
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		if p := w.pinned(a); len(p) != 0 {
			t.Errorf("pins of %d after the unpin: %v", a, p)
		}
	}
	kontortest.Eventually(t, kontortest.Wait, "rem to receive the Remove", func() bool { return len(w.received("Remove")) == 1 })
}

// A remote actor's pin of a post we do not have yet is fetched, when
// someone here follows the actor.
func TestApplyAddFetchesThePinnedPost(t *testing.T) {
	w := newWorld(t)
	if _, err := w.e.Follow(ctx, w.carol.Account, w.remAcct, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "rem to receive the Follow", func() bool { return len(w.received("Follow")) == 1 })
	w.send(w.rem.Activity("Accept", "accepts/1", w.received("Follow")[0], nil))
	note := w.rem.Note("7", "<p>an old favourite</p>", nil)
	w.fs.Object("/users/rem/statuses/7", note)
	w.send(w.rem.Activity("Add", "adds/7", note["id"], map[string]any{"target": w.rem.ID + "/collections/featured"}))
	if p := w.pinned(w.remAcct.ID); len(p) != 1 || p[0].URI != note["id"] {
		t.Errorf("pins of rem: %v", p)
	}
}

// The boost rule is the same for local and remote actors: a followers-only
// post is boosted by its author only (locally and remotely), a direct post
// by nobody.
func TestBoostRuleSameBothWays(t *testing.T) {
	w := newWorld(t)
	if _, err := w.e.Follow(ctx, w.carol.Account, w.alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	w.send(w.rem.Activity("Follow", "follows/1", w.alice.Account.URI, nil))
	private := w.in.Post(w.alice, activitypub.PostParams{Text: "followers only", Visibility: db.Private})
	direct := w.in.Post(w.alice, activitypub.PostParams{Text: "@carol @rem@" + w.fs.Host + " secret", Visibility: db.Direct})
	announce := func(id string, s *db.Status) []byte {
		return w.rem.Activity("Announce", id, s.URI, map[string]any{"to": []any{public}, "published": time.Now().UTC().Format(time.RFC3339)})
	}

	// The author may boost her followers-only post (to the same followers).
	boost, err := w.e.Reblog(ctx, w.alice.Account, private.ID, db.Public)
	if err != nil || boost.Visibility != db.Private {
		t.Fatalf("alice's boost of her followers-only post: %+v %v", boost, err)
	}
	// A follower may not, here or there; the direct post nobody boosts.
	for _, s := range []*db.Status{private, direct} {
		if _, err := w.e.Reblog(ctx, w.carol.Account, s.ID, db.Public); !errors.Is(err, activitypub.ErrForbidden) {
			t.Errorf("carol's boost of %s: %v", s.Text, err)
		}
	}
	if _, err := w.e.Reblog(ctx, w.alice.Account, direct.ID, db.Public); !errors.Is(err, activitypub.ErrForbidden) {
		t.Errorf("alice's boost of her direct post: %v", err)
	}
	w.send(announce("announces/1", private))
	w.send(announce("announces/2", direct))
	for _, s := range []*db.Status{private, direct} {
		if _, err := w.in.DB.ReblogBy(ctx, w.remAcct.ID, s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("rem's Announce of %s was kept: %v", s.Text, err)
		}
		if s := w.status(s.ID); s.ReblogsCount > 1 {
			t.Errorf("%q counts %d boosts", s.Text, s.ReblogsCount)
		}
	}

	// rem may boost its own followers-only post, as alice may hers.
	w.send(w.rem.Activity("Create", "statuses/3/activity", w.rem.Note("3", "<p>@alice mine</p>", map[string]any{
		"to": []any{w.rem.ID + "/followers"}, "cc": []any{w.alice.Account.URI},
		"tag": []any{map[string]any{"type": "Mention", "href": w.alice.Account.URI}}}), nil))
	remPrivate := w.in.StatusByURI(w.rem.ID + "/statuses/3")
	if remPrivate == nil || remPrivate.Visibility != db.Private {
		t.Fatalf("rem's followers-only post: %+v", remPrivate)
	}
	w.send(announce("announces/3", remPrivate))
	if b, err := w.in.DB.ReblogBy(ctx, w.remAcct.ID, remPrivate.ID); err != nil || b.Visibility != db.Private {
		t.Errorf("rem's boost of its own followers-only post: %+v %v", b, err)
	}
}

// A profile change goes through the engine: unlocking accepts every
// pending request (local and remote) through the Accept step, and the
// followers are sent the new profile.
func TestUpdateProfileUnlockAcceptsRequests(t *testing.T) {
	w := newWorld(t)
	w.lock(w.alice, true)
	if _, err := w.e.Follow(ctx, w.carol.Account, w.alice.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	w.send(w.rem.Activity("Follow", "follows/1", w.alice.Account.URI, nil))
	w.rec.take(nil)

	before, err := w.in.DB.AccountByID(ctx, w.alice.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	after := *before
	after.Locked, after.DisplayName = false, "Alice Open"
	if err := w.e.UpdateProfile(ctx, activitypub.ProfileUpdate{Before: before, CredentialsUpdate: db.CredentialsUpdate{Account: &after}}); err != nil {
		t.Fatal(err)
	}
	got := w.rec.take(map[int64]string{w.alice.Account.ID: "alice", w.carol.Account.ID: "carol", w.remAcct.ID: "rem"})
	want := []string{"notified follow to=alice from=carol status=- reblog_of=-", "notified follow to=alice from=rem status=- reblog_of=-"}
	same(t, "unlock", got, got, want)
	for _, a := range []int64{w.carol.Account.ID, w.remAcct.ID} {
		if f := w.follow(a, w.alice.Account.ID); f == nil || !f.Accepted {
			t.Errorf("follow of %d after the unlock: %+v", a, f)
		}
	}
	if a, _ := w.in.DB.AccountByID(ctx, w.alice.Account.ID); a.Locked || a.DisplayName != "Alice Open" {
		t.Errorf("stored profile: locked %v, name %q", a.Locked, a.DisplayName)
	}
	kontortest.Eventually(t, kontortest.Wait, "rem to receive the Accept and the Update", func() bool {
		return len(w.received("Accept")) == 1 && len(w.received("Update")) == 1
	})
	upd := w.received("Update")[0]
	if obj, _ := upd["object"].(map[string]any); obj["name"] != "Alice Open" || obj["manuallyApprovesFollowers"] != false {
		t.Errorf("the Update rem got: %v", upd)
	}
}
