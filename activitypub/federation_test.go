package activitypub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

var ctx = context.Background()

func hasStatus(list []*db.Status, uri string) bool {
	for _, s := range list {
		if s.URI == uri || s.ReblogOfID != nil && s.ReblogOf != nil && s.ReblogOf.URI == uri {
			return true
		}
	}
	return false
}

func notifications(t *testing.T, in *kontortest.Instance, u *kontortest.User, typ string) []*db.Notification {
	t.Helper()
	list, err := in.DB.Notifications(ctx, u.Account.ID, db.NotificationFilter{Types: []string{typ}}, db.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// Alice on A follows bob on B; bob posts; alice's home timeline on A shows it.
func TestFollowAcceptPost(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")

	a.Follow(alice, b, bob)
	// B knows alice follows bob, and told bob.
	aliceOnB := b.RemoteAccount(alice, a)
	f, err := b.DB.FollowBetween(ctx, aliceOnB.ID, bob.Account.ID)
	if err != nil || !f.Accepted {
		t.Fatalf("B does not record the follow: %v %+v", err, f)
	}
	if len(notifications(t, b, bob, db.NotifyFollow)) != 1 {
		t.Error("bob got no follow notification")
	}
	bobOnA := a.RemoteAccount(bob, b)
	if bobOnA.FollowersCount != 0 && bobOnA.FollowersCount != 1 {
		t.Errorf("odd follower count %d", bobOnA.FollowersCount)
	}

	post := b.Post(bob, activitypub.PostParams{Text: "Hello fediverse #kontor https://example.com/x", Visibility: db.Public})
	got := a.WaitStatus(post.URI)
	if !strings.Contains(got.Content, "Hello fediverse") || got.Visibility != db.Public || got.Local {
		t.Errorf("A's copy: %+v", got)
	}
	if !hasStatus(a.Home(alice), post.URI) {
		t.Error("the post is not on alice's home timeline")
	}
	tags, _ := a.DB.StatusTags(ctx, got.ID)
	if len(tags) != 1 || tags[0].Name != "kontor" {
		t.Errorf("hashtags on A: %+v", tags)
	}
}

// A locked account gets a follow request; once accepted, the follower is in.
func TestLockedAccountFollowRequest(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	bob.Account.Locked = true
	if err := b.DB.UpdateAccountProfile(ctx, bob.Account); err != nil {
		t.Fatal(err)
	}

	target := a.Resolve(bob)
	if !target.Locked {
		t.Fatal("A does not see bob as locked")
	}
	if _, err := a.Engine().Follow(ctx, alice.Account, target, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	var aliceOnB *db.Account
	kontortest.Eventually(t, kontortest.Wait, "the follow request on B", func() bool {
		acct, err := b.DB.AccountByURI(ctx, a.URL+"/users/alice")
		if err != nil {
			return false
		}
		aliceOnB = acct
		f, err := b.DB.FollowBetween(ctx, acct.ID, bob.Account.ID)
		return err == nil && !f.Accepted
	})
	if len(notifications(t, b, bob, db.NotifyFollowRequest)) != 1 {
		t.Error("bob got no follow_request notification")
	}
	private := b.Post(bob, activitypub.PostParams{Text: "for followers only", Visibility: db.Private})
	b.DeliveriesDone()
	if a.StatusByURI(private.URI) != nil {
		t.Fatal("a followers-only post reached a pending follower")
	}

	if err := b.Engine().AuthorizeFollowRequest(ctx, bob.Account, aliceOnB); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "alice's follow to be accepted on A", func() bool {
		f, err := a.DB.FollowBetween(ctx, alice.Account.ID, target.ID)
		return err == nil && f.Accepted
	})
	next := b.Post(bob, activitypub.PostParams{Text: "welcome in", Visibility: db.Private})
	got := a.WaitStatus(next.URI)
	if got.Visibility != db.Private {
		t.Errorf("visibility on A: %v", got.Visibility)
	}
	if !hasStatus(a.Home(alice), next.URI) {
		t.Error("the followers-only post is not on alice's home")
	}
}

// A reply thread across instances, with mention notifications both ways.
func TestReplyThread(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)
	b.Follow(bob, a, alice)

	root := b.Post(bob, activitypub.PostParams{Text: "What do you think of the launch?", Visibility: db.Public})
	rootOnA := a.WaitStatus(root.URI)

	reply := a.Post(alice, activitypub.PostParams{Text: "@bob@" + b.Host + " Loved it!", Visibility: db.Public, InReplyToID: &rootOnA.ID})
	replyOnB := b.WaitStatus(reply.URI)
	if replyOnB.InReplyToID == nil || *replyOnB.InReplyToID != root.ID {
		t.Fatalf("reply on B is not threaded under bob's post: %+v", replyOnB)
	}
	kontortest.Eventually(t, kontortest.Wait, "bob's mention notification", func() bool {
		return len(notifications(t, b, bob, db.NotifyMention)) == 1
	})
	root2, _ := b.DB.StatusByIDAny(ctx, root.ID)
	if root2.RepliesCount != 1 {
		t.Errorf("replies_count on B = %d", root2.RepliesCount)
	}

	answer := b.Post(bob, activitypub.PostParams{Text: "@alice@" + a.Host + " thanks!", Visibility: db.Public, InReplyToID: &replyOnB.ID})
	answerOnA := a.WaitStatus(answer.URI)
	replyOnA := a.StatusByURI(reply.URI)
	if answerOnA.InReplyToID == nil || *answerOnA.InReplyToID != replyOnA.ID || answerOnA.ThreadID != rootOnA.ThreadID {
		t.Errorf("thread on A: answer %+v, reply %+v, root %+v", answerOnA, replyOnA, rootOnA)
	}
}

// A reply from a third instance to a post whose parent A never saw: A
// fetches the missing parent.
func TestMissingParentIsFetched(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	carol := b.CreateUser("carol")
	a.Follow(alice, b, bob) // alice follows bob, not carol

	parent := b.Post(carol, activitypub.PostParams{Text: "carol's question", Visibility: db.Public})
	b.DeliveriesDone()
	if a.StatusByURI(parent.URI) != nil {
		t.Fatal("A got carol's post without following her")
	}
	reply := b.Post(bob, activitypub.PostParams{Text: "bob answers carol", Visibility: db.Public, InReplyToID: &parent.ID})
	got := a.WaitStatus(reply.URI)
	fetched := a.StatusByURI(parent.URI)
	if fetched == nil || got.InReplyToID == nil || *got.InReplyToID != fetched.ID {
		t.Fatalf("parent not fetched and linked: reply %+v parent %+v", got, fetched)
	}
}

// Boosts and likes notify the author; undoing them removes the notification.
func TestBoostAndLikeNotifyAuthor(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)

	post := b.Post(bob, activitypub.PostParams{Text: "Please share", Visibility: db.Public})
	onA := a.WaitStatus(post.URI)
	if _, err := a.Engine().Favourite(ctx, alice.Account, onA.ID); err != nil {
		t.Fatal(err)
	}
	boost, err := a.Engine().Reblog(ctx, alice.Account, onA.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "bob's favourite and reblog notifications", func() bool {
		return len(notifications(t, b, bob, db.NotifyFavourite)) == 1 && len(notifications(t, b, bob, db.NotifyReblog)) == 1
	})
	s, _ := b.DB.StatusByIDAny(ctx, post.ID)
	if s.FavouritesCount != 1 || s.ReblogsCount != 1 {
		t.Errorf("counts on B: favourites %d reblogs %d", s.FavouritesCount, s.ReblogsCount)
	}
	if b.StatusByURI(boost.URI) == nil {
		t.Error("B did not store the boost")
	}

	if _, err := a.Engine().Unfavourite(ctx, alice.Account, onA.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine().Unreblog(ctx, alice.Account, onA.ID); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the undos to reach B", func() bool {
		s, _ := b.DB.StatusByIDAny(ctx, post.ID)
		return s.FavouritesCount == 0 && s.ReblogsCount == 0 && b.StatusByURI(boost.URI) == nil
	})
	if n := len(notifications(t, b, bob, db.NotifyFavourite)); n != 0 {
		t.Errorf("favourite notification still there after the undo (%d)", n)
	}
}

// Edits and deletes reach followers.
func TestEditAndDeletePropagate(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)

	post := b.Post(bob, activitypub.PostParams{Text: "first version", Visibility: db.Public})
	a.WaitStatus(post.URI)
	if _, err := b.Engine().EditStatus(ctx, bob.Account, post.ID, activitypub.PostParams{Text: "second version"}); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the edit on A", func() bool {
		s := a.StatusByURI(post.URI)
		return s != nil && strings.Contains(s.Content, "second version") && s.EditedAt != nil
	})
	onA := a.StatusByURI(post.URI)
	edits, err := a.DB.StatusEdits(ctx, onA.ID)
	if err != nil || len(edits) != 2 || !strings.Contains(edits[0].Content, "first version") {
		t.Errorf("edit history on A: %d entries, %v", len(edits), err)
	}

	if _, err := b.Engine().DeleteStatus(ctx, bob.Account, post.ID); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the delete on A", func() bool { return a.StatusByURI(post.URI) == nil })
	if gone, _ := a.DB.IsTombstoned(ctx, post.URI); !gone {
		t.Error("A keeps no tombstone")
	}
	resp, _ := b.Get(strings.TrimPrefix(post.URI, b.URL), "Accept: application/activity+json")
	if resp.StatusCode != 410 {
		t.Errorf("GET of the deleted status on B: %d, want 410", resp.StatusCode)
	}
}

// After an unfollow, posts no longer arrive.
func TestUnfollowStopsDelivery(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)
	bobOnA := a.RemoteAccount(bob, b)
	if err := a.Engine().Unfollow(ctx, alice.Account, bobOnA); err != nil {
		t.Fatal(err)
	}
	aliceOnB := b.RemoteAccount(alice, a)
	kontortest.Eventually(t, kontortest.Wait, "the Undo on B", func() bool {
		_, err := b.DB.FollowBetween(ctx, aliceOnB.ID, bob.Account.ID)
		return err != nil
	})
	post := b.Post(bob, activitypub.PostParams{Text: "nobody on A should see this", Visibility: db.Public})
	b.DeliveriesDone()
	time.Sleep(200 * time.Millisecond)
	if a.StatusByURI(post.URI) != nil {
		t.Error("a post reached A after the unfollow")
	}
}

// A block drops the follow both ways and stops delivery.
func TestBlockDropsFollowAndDelivery(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)
	b.Follow(bob, a, alice)
	aliceOnB := b.RemoteAccount(alice, a)
	bobOnA := a.RemoteAccount(bob, b)

	if err := b.Engine().Block(ctx, bob.Account, aliceOnB); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the block to drop both follows on A", func() bool {
		_, e1 := a.DB.FollowBetween(ctx, alice.Account.ID, bobOnA.ID)
		_, e2 := a.DB.FollowBetween(ctx, bobOnA.ID, alice.Account.ID)
		return e1 != nil && e2 != nil
	})
	post := b.Post(bob, activitypub.PostParams{Text: "not for alice", Visibility: db.Public})
	b.DeliveriesDone()
	if a.StatusByURI(post.URI) != nil {
		t.Error("a post reached the blocked follower")
	}
	// alice cannot follow again.
	if _, err := a.Engine().Follow(ctx, alice.Account, bobOnA, activitypub.FollowOptions{}); err == nil {
		kontortest.Eventually(t, kontortest.Wait, "B to reject the new follow", func() bool {
			_, err := a.DB.FollowBetween(ctx, alice.Account.ID, bobOnA.ID)
			return err != nil
		})
	}
}

// A followers-only post reaches followers and nobody else; a direct post
// only the mentioned.
func TestPrivateAndDirectAddressing(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	c := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol := a.CreateUser("alice"), b.CreateUser("bob"), c.CreateUser("carol")
	dave := c.CreateUser("dave")
	a.Follow(alice, b, bob) // alice follows bob; carol and dave do not
	c.Resolve(bob)          // C knows bob, but follows nobody on B

	private := b.Post(bob, activitypub.PostParams{Text: "followers only", Visibility: db.Private})
	got := a.WaitStatus(private.URI)
	if got.Visibility != db.Private {
		t.Errorf("private post on A has visibility %v", got.Visibility)
	}
	direct := b.Post(bob, activitypub.PostParams{Text: "@carol@" + c.Host + " just for you", Visibility: db.Direct})
	dm := c.WaitStatus(direct.URI)
	if dm.Visibility != db.Direct {
		t.Errorf("DM on C has visibility %v", dm.Visibility)
	}
	b.DeliveriesDone()
	if c.StatusByURI(private.URI) != nil {
		t.Error("the followers-only post reached C, where nobody follows bob")
	}
	if a.StatusByURI(direct.URI) != nil {
		t.Error("the DM to carol reached A")
	}
	// On C, carol sees the DM, dave does not.
	if _, err := c.DB.StatusByID(ctx, dm.ID, db.ViewerOf(carol.Account.ID)); err != nil {
		t.Errorf("carol cannot read her DM: %v", err)
	}
	if _, err := c.DB.StatusByID(ctx, dm.ID, db.ViewerOf(dave.Account.ID)); err == nil {
		t.Error("dave can read carol's DM")
	}
	if _, err := c.DB.StatusByID(ctx, dm.ID, db.Anonymous); err == nil {
		t.Error("anonymous can read carol's DM")
	}
	// GET of the private post on B: anonymous 404, signed by a follower's key OK.
	resp, _ := b.Get(strings.TrimPrefix(private.URI, b.URL), "Accept: application/activity+json")
	if resp.StatusCode != 404 {
		t.Errorf("anonymous GET of a followers-only post: %d, want 404", resp.StatusCode)
	}
	if len(notifications(t, c, carol, db.NotifyMention)) != 1 {
		t.Error("carol was not notified of the DM")
	}
}

// Deliveries to a stopped instance wait and arrive once it is back.
func TestStoppedInstanceCatchesUp(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for retries")
	}
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{Fast: true})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)

	dbURL, listener := a.Config.Database, a.Host
	a.Stop()
	posts := []*db.Status{
		b.Post(bob, activitypub.PostParams{Text: "while you were away 1", Visibility: db.Public}),
		b.Post(bob, activitypub.PostParams{Text: "while you were away 2", Visibility: db.Public}),
	}
	time.Sleep(300 * time.Millisecond) // let B fail at least once
	a2 := kontortest.Restart(t, listener, kontortest.Options{DatabaseURL: dbURL})
	for _, p := range posts {
		a2.WaitStatus(p.URI)
	}
}

// A delivery row survives a restart of the sending instance: B posts while
// A is down, B is stopped with the row pending, then both come back.
func TestDeliverySurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts instances")
	}
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{Fast: true})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)

	aHost, aDB := a.Host, a.Config.Database
	a.Stop()
	post := b.Post(bob, activitypub.PostParams{Text: "queued across a restart", Visibility: db.Public})
	bHost, bDB := b.Host, b.Config.Database
	b.Stop()
	b2 := kontortest.Restart(t, bHost, kontortest.Options{DatabaseURL: bDB, Fast: true})
	if n, err := b2.DB.PendingDeliveries(ctx, 0); err != nil || n == 0 {
		t.Fatalf("the delivery row did not survive the restart: %d pending, %v", n, err)
	}
	a2 := kontortest.Restart(t, aHost, kontortest.Options{DatabaseURL: aDB})
	a2.WaitStatus(post.URI)
	b2.DeliveriesDone()
}
