package federation_test

import (
	"encoding/json"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A Move whose target does not list the old actor in alsoKnownAs, as the
// target publishes it (whatever the Move's body says), changes nothing;
// once the target lists it, alice follows the target instead.
func TestIncomingMoveChecksTheTarget(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	old, newer := remote.Actor("oldname"), remote.Actor("newname")
	inbox := in.URL + "/users/alice/inbox"
	oldAcct, err := in.Engine().Resolver().Actor(ctx, old.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := in.Engine().Follow(ctx, alice.Account, oldAcct, activitypub.FollowOptions{ShowReblogs: true, Notify: true})
	if err != nil {
		t.Fatal(err)
	}
	old.SignedPost(inbox, old.Activity("Accept", "accepts/1", f.URI, nil))
	kontortest.Eventually(t, kontortest.Wait, "the follow to be accepted", func() bool {
		f, err := in.DB.FollowBetween(ctx, alice.Account.ID, oldAcct.ID)
		return err == nil && f.Accepted
	})

	// The body claims the alias; the target's own document does not.
	move := old.Activity("Move", "moves/1", old.ID, map[string]any{
		"target": map[string]any{"id": newer.ID, "type": "Person", "alsoKnownAs": []any{old.ID}}})
	if status, body := old.SignedPost(inbox, move); status != 202 {
		t.Fatalf("move: %d %s", status, body)
	}
	kontortest.Eventually(t, kontortest.Wait, "the move to be handled", func() bool {
		n, err := in.DB.InboxBacklog(ctx)
		return err == nil && n == 0
	})
	if a, _ := in.DB.AccountByURI(ctx, old.ID); a.MovedToAccountID != nil {
		t.Fatal("a move to a target without the alias was recorded")
	}
	if _, err := in.DB.FollowBetween(ctx, alice.Account.ID, oldAcct.ID); err != nil {
		t.Fatalf("the follow of the old actor is gone: %v", err)
	}

	newer.Doc["alsoKnownAs"] = []any{old.ID}
	if status, _ := old.SignedPost(inbox, old.Activity("Move", "moves/2", old.ID, map[string]any{"target": newer.ID})); status != 202 {
		t.Fatalf("move: %d", status)
	}
	var newAcct *db.Account
	kontortest.Eventually(t, kontortest.Wait, "alice to follow the new account", func() bool {
		newAcct, err = in.DB.AccountByURI(ctx, newer.ID)
		if err != nil {
			return false
		}
		f, err := in.DB.FollowBetween(ctx, alice.Account.ID, newAcct.ID)
		return err == nil && f.Notify && f.ShowReblogs
	})
	if _, err := in.DB.FollowBetween(ctx, alice.Account.ID, oldAcct.ID); err == nil {
		t.Error("alice still follows the old account")
	}
	kontortest.Eventually(t, kontortest.Wait, "a Follow to reach the new account", func() bool {
		for _, r := range remote.Received() {
			var act struct{ Type, Object string }
			if json.Unmarshal(r.Body, &act) == nil && act.Type == "Follow" && act.Object == newer.ID {
				return true
			}
		}
		return false
	})
}
