package streaming_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// The batch queries decide for many viewers at once exactly what the
// one-viewer queries decide: ViewersWhoMaySee = StatusByID per viewer (the
// visibility rule), StatusAudience = visible, not muted, and on the home
// timeline as HomeTimeline has it.
func TestBatchAudienceMatchesOneViewerRules(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	e := in.Engine()
	alice := in.CreateUser("alice")
	fol := in.CreateUser("fol")
	mentioned := in.CreateUser("mentioned")
	stranger := in.CreateUser("stranger")
	blocker := in.CreateUser("blocker")
	blockedUser := in.CreateUser("blocked")
	muter := in.CreateUser("muter")
	locked := in.CreateUser("locked")
	pending := in.CreateUser("pending")
	gone := in.CreateUser("gone")
	follow(t, in, fol, alice)
	follow(t, in, muter, alice)
	follow(t, in, blocker, alice)
	follow(t, in, fol, gone)
	locked.Account.Locked = true
	if err := in.DB.UpdateAccountProfile(ctx, locked.Account); err != nil {
		t.Fatal(err)
	}
	follow(t, in, pending, locked) // a request, not accepted
	if err := in.DB.MuteAccount(ctx, &db.Mute{AccountID: muter.Account.ID, TargetAccountID: alice.Account.ID}); err != nil {
		t.Fatal(err)
	}
	if err := e.Block(ctx, blocker.Account, alice.Account); err != nil {
		t.Fatal(err)
	}
	if err := e.Block(ctx, alice.Account, blockedUser.Account); err != nil {
		t.Fatal(err)
	}
	newFixtures(t, in).followTag(stranger, "kontor")

	var statuses []*db.Status
	add := func(s *db.Status) *db.Status { statuses = append(statuses, s); return s }
	pub := add(post(t, in, alice, "public #kontor", db.Public))
	add(post(t, in, alice, "unlisted #kontor", db.Unlisted))
	priv := add(post(t, in, alice, "private @mentioned", db.Private))
	add(post(t, in, alice, "direct @mentioned", db.Direct))
	add(in.Post(alice, activitypub.PostParams{Text: "@stranger a reply", InReplyToID: &pub.ID}))
	add(post(t, in, locked, "locked private", db.Private))
	add(post(t, in, gone, "soon suspended", db.Public))
	if b, err := e.Reblog(ctx, fol.Account, pub.ID, db.Public); err != nil {
		t.Fatal(err)
	} else {
		add(b)
	}
	if b, err := e.Reblog(ctx, alice.Account, priv.ID, db.Private); err != nil {
		t.Fatal(err)
	} else {
		add(b)
	}
	if err := in.DB.SuspendAccount(ctx, gone.Account.ID); err != nil {
		t.Fatal(err)
	}

	users := []*kontortest.User{alice, fol, mentioned, stranger, blocker, blockedUser, muter, locked, pending}
	var ids []int64
	for _, u := range users {
		ids = append(ids, u.Account.ID)
	}
	homes := map[int64][]*db.Status{}
	for _, u := range users {
		list, err := in.DB.HomeTimeline(ctx, u.Account.ID, db.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		homes[u.Account.ID] = list
	}
	for _, s := range statuses {
		may, err := in.DB.ViewersWhoMaySee(ctx, s.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		reach, err := in.DB.StatusAudience(ctx, s.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			_, err := in.DB.StatusByID(ctx, s.ID, db.ViewerOf(u.Account.ID))
			visible := err == nil
			if visible != slices.Contains(may, u.Account.ID) {
				t.Errorf("status %q by %d, viewer %s: StatusByID says %v, ViewersWhoMaySee %v", s.Text, s.AccountID, u.Handle, visible, !visible)
			}
			onHome := slices.ContainsFunc(homes[u.Account.ID], func(h *db.Status) bool { return h.ID == s.ID })
			home, reached := reach[u.Account.ID]
			if onHome && !(reached && home) || reached && home && !onHome {
				t.Errorf("status %q, viewer %s: home timeline %v, StatusAudience %v/%v", s.Text, u.Handle, onHome, reached, home)
			}
			if reached && !visible {
				t.Errorf("status %q reaches %s, who may not see it", s.Text, u.Handle)
			}
		}
	}
	// The matrix has teeth: the private status is seen by some, not all.
	may, _ := in.DB.ViewersWhoMaySee(ctx, priv.ID, ids)
	slices.Sort(may)
	want := []int64{alice.Account.ID, fol.Account.ID, mentioned.Account.ID, muter.Account.ID}
	slices.Sort(want)
	if !slices.Equal(may, want) {
		t.Fatalf("private status: %v may see it, want %v", may, want)
	}
}
