package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice moves from A to her new account on B. Carol on C and dave on A
// followed the old account: both end up following the new one, not the
// old, and are told; A shows alice as moved.
func TestAccountMoveAcrossInstances(t *testing.T) {
	ctx := context.Background()
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	c := kontortest.Start(t, kontortest.Options{})
	alice, dave := a.CreateUser("alice"), a.CreateUser("dave")
	newAlice, carol := b.CreateUser("alice"), c.CreateUser("carol")
	c.Follow(carol, a, alice)
	a.Follow(dave, a, alice)
	oldURI, newURI := a.URL+"/users/alice", b.URL+"/users/alice"

	ac, bc := acctAs(t, a, alice), acctAs(t, b, newAlice)
	// Not aliased yet: refused, nothing changes.
	ac.fails("POST", "/api/v1/accounts/move", url.Values{"password": {alice.Password}, "moved_to_uri": {newURI}}, 422, "alsoKnownAs")
	bc.fails("POST", "/api/v1/accounts/alias", url.Values{"also_known_as_uris[]": {"not a url"}}, 422, "also_known_as_uris")
	got := bc.obj("POST", "/api/v1/accounts/alias", url.Values{"also_known_as_uris[]": {oldURI}})
	if got["username"] != "alice" {
		t.Fatalf("alias answered %v", got)
	}
	if resp, body := b.Get(newURI, "Accept: application/activity+json"); resp.StatusCode != 200 || !strings.Contains(string(body), `"alsoKnownAs":["`+oldURI+`"]`) {
		t.Fatalf("new actor: %d %s", resp.StatusCode, body)
	}
	ac.fails("POST", "/api/v1/accounts/move", url.Values{"password": {"wrong"}, "moved_to_uri": {newURI}}, 401, "password")
	ac.call("POST", "/api/v1/accounts/move", url.Values{"password": {alice.Password}, "moved_to_uri": {newURI}}, 202)
	ac.fails("POST", "/api/v1/accounts/move", url.Values{"password": {alice.Password}, "moved_to_uri": {newURI}}, 422, "already moved")

	// A shows the old account as moved, in the API and in the actor.
	moved := acctAs(t, a, nil).obj("GET", "/api/v1/accounts/"+db.FormatID(alice.Account.ID), nil)
	if m, _ := moved["moved"].(map[string]any); m == nil || m["url"] == nil {
		t.Errorf("moved: %v", moved["moved"])
	}
	if _, body := a.Get(oldURI, "Accept: application/activity+json"); !strings.Contains(string(body), `"movedTo":"`+newURI+`"`) {
		t.Errorf("old actor: %s", body)
	}

	movedOver := func(in *kontortest.Instance, who *kontortest.User, other *kontortest.Instance) {
		t.Helper()
		// The follower's server learns of the new account when it applies the
		// Move (asynchronously): wait for that, then for the follow.
		kontortest.Eventually(t, kontortest.Wait, who.Handle+" to follow the new account", func() bool {
			newOnIn, err := in.DB.AccountByURI(ctx, newURI)
			if err != nil {
				return false
			}
			f, err := in.DB.FollowBetween(ctx, who.Account.ID, newOnIn.ID)
			return err == nil && f.Accepted
		})
		old := alice.Account
		if other != nil {
			old = in.RemoteAccount(alice, a)
		}
		if _, err := in.DB.FollowBetween(ctx, who.Account.ID, old.ID); err == nil {
			t.Errorf("%s still follows the old account", who.Handle)
		}
		notes, err := in.DB.Notifications(ctx, who.Account.ID, db.NotificationFilter{}, db.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range notes {
			found = found || (n.Type == db.NotifyMove && n.FromAccountID == old.ID)
		}
		if !found {
			t.Errorf("%s was not notified of the move", who.Handle)
		}
	}
	movedOver(c, carol, a)
	movedOver(a, dave, nil)
	// The new account has both followers; the old one none left.
	kontortest.Eventually(t, kontortest.Wait, "the old account's followers to leave", func() bool {
		n, err := a.DB.AccountByID(ctx, alice.Account.ID)
		return err == nil && n.FollowersCount == 0
	})
	kontortest.Eventually(t, kontortest.Wait, "the new account to have both followers", func() bool {
		n, err := b.DB.AccountByID(ctx, newAlice.Account.ID)
		return err == nil && n.FollowersCount == 2
	})
	// The notification as the API shows it.
	list := acctAs(t, c, carol).list("/api/v1/notifications?types[]=move")
	if len(list) != 1 || list[0].(map[string]any)["type"] != "move" {
		t.Errorf("carol's move notifications: %v", list)
	}
}
