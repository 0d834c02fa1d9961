package api_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice on A finds bob on B through search (WebFinger), follows him while
// his account is locked (requested), bob authorizes on B, and A then shows
// her following him.
func TestRemoteFollowLockedAccount(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	acctAs(t, b, bob).obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"locked": {"true"}, "display_name": {"Bob on B"}})
	ac, bc := acctAs(t, a, alice), acctAs(t, b, bob)

	// Not known on A yet: a search without resolve finds nothing.
	if got := ac.list("/api/v1/accounts/search?q=" + url.QueryEscape(bob.Handle)); len(got) != 0 {
		t.Fatalf("unresolved search found %v", got)
	}
	found, err := ac.masto().AccountsSearchResolve(acctCtx, "@"+bob.Handle, 5, true)
	if err != nil || len(found) != 1 {
		t.Fatalf("search with resolve: %v %+v", err, found)
	}
	bobOnA := found[0]
	if bobOnA.Acct != bob.Handle || bobOnA.Username != "bob" || bobOnA.DisplayName != "Bob on B" || !bobOnA.Locked || bobOnA.URI != b.URL+"/users/bob" {
		t.Errorf("bob as A sees him: %+v", bobOnA)
	}
	v := acctAs(t, a, nil).obj("GET", "/api/v1/accounts/"+string(bobOnA.ID), nil)
	acctCheckAccount(t, v)
	if v["acct"] != bob.Handle {
		t.Errorf("acct %v", v["acct"])
	}
	if l := acctAs(t, a, nil).obj("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape(bob.Handle), nil); l["id"] != string(bobOnA.ID) {
		t.Errorf("lookup of a known remote account: %v", l["id"])
	}

	r, err := ac.masto().AccountFollow(acctCtx, bobOnA.ID)
	if err != nil || r.Following || !r.Requested {
		t.Fatalf("follow of a locked remote account: %v %+v", err, r)
	}
	var aliceOnB mastodon.ID
	kontortest.Eventually(t, kontortest.Wait, "alice's request to reach bob", func() bool {
		reqs, err := bc.masto().GetFollowRequests(acctCtx, nil)
		if err != nil || len(reqs) != 1 {
			return false
		}
		aliceOnB = reqs[0].ID
		return reqs[0].Acct == alice.Handle
	})
	acctCheckRelationship(t, bc.list("/api/v1/accounts/relationships?id[]=" + string(aliceOnB))[0].(map[string]any),
		map[string]any{"requested_by": true, "followed_by": false})
	if err := bc.masto().FollowRequestAuthorize(acctCtx, aliceOnB); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the Accept to reach A", func() bool {
		rels, err := ac.masto().GetAccountRelationships(acctCtx, []string{string(bobOnA.ID)})
		return err == nil && len(rels) == 1 && rels[0].Following && !rels[0].Requested
	})
	if got := acctIDs(acctAs(t, b, nil).list("/api/v1/accounts/" + acctID(bob) + "/followers")); !slices.Equal(got, []string{string(aliceOnB)}) {
		t.Errorf("bob's followers on B: %v", got)
	}

	// Unfollow reaches B too.
	if _, err := ac.masto().AccountUnfollow(acctCtx, bobOnA.ID); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the Undo to reach B", func() bool {
		rels, err := bc.masto().GetAccountRelationships(acctCtx, []string{string(aliceOnB)})
		return err == nil && len(rels) == 1 && !rels[0].FollowedBy
	})
}

// An unknown remote handle: lookup (signed in) and search resolve it.
func TestRemoteLookupResolves(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, carol := a.CreateUser("alice"), b.CreateUser("carol")
	// Anonymous callers do not make A fetch anything.
	acctAs(t, a, nil).fails("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape(carol.Handle), nil, 404, "not found")
	v := acctAs(t, a, alice).obj("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape(carol.Handle), nil)
	if v["acct"] != carol.Handle || v["url"] != b.URL+"/@carol" {
		t.Errorf("lookup: %v", v)
	}
	acctAs(t, a, alice).fails("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape("nobody@"+b.Host), nil, 404, "not found")
	// An actor URL resolves too.
	a2 := a.CreateUser("alina")
	got := acctAs(t, a, a2).list("/api/v1/accounts/search?resolve=true&q=" + url.QueryEscape(b.URL+"/users/carol"))
	if ids := acctIDs(got); len(ids) != 1 || ids[0] != v["id"] {
		t.Errorf("search by actor URL: %v", ids)
	}
}

// A profile edit on A reaches B as an Update.
func TestProfileUpdateFederates(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	b.Follow(bob, a, alice)
	acctAs(t, a, alice).obj("PATCH", "/api/v1/accounts/update_credentials", acctForm{
		fields: map[string]string{"display_name": "Alice Updated", "note": "new bio", "fields_attributes[0][name]": "web", "fields_attributes[0][value]": "https://alice.example"},
		files:  map[string][]byte{"avatar": acctPNG(t, 32, 32)},
	})
	kontortest.Eventually(t, kontortest.Wait, "the Update to reach B", func() bool {
		acct, err := b.DB.AccountByURI(acctCtx, a.URL+"/users/alice")
		return err == nil && acct.DisplayName == "Alice Updated"
	})
	acct := b.RemoteAccount(alice, a)
	v := acctAs(t, b, bob).obj("GET", "/api/v1/accounts/"+db.FormatID(acct.ID), nil)
	if v["note"] != "<p>new bio</p>" || v["acct"] != alice.Handle {
		t.Errorf("B's view of alice: note %v acct %v", v["note"], v["acct"])
	}
	if f := v["fields"].([]any); len(f) != 1 || f[0].(map[string]any)["name"] != "web" {
		t.Errorf("fields on B: %v", v["fields"])
	}
	if av, _ := v["avatar"].(string); len(av) < len(a.URL) || av[:len(a.URL)] != a.URL {
		t.Errorf("avatar on B: %v", v["avatar"])
	}
}

// Alice blocks B's domain: her follows of B's accounts are undone and
// theirs of her rejected, on both sides; B's statuses vanish for her.
func TestDomainBlockDropsFollows(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)
	b.Follow(bob, a, alice)
	bobOnA := a.RemoteAccount(bob, b)
	post := acctPost(t, b, bob, "visible before the block", db.Public)
	a.WaitStatus(post.URI)
	ac := acctAs(t, a, alice)
	if got := ac.list("/api/v1/accounts/" + db.FormatID(bobOnA.ID) + "/statuses"); len(got) != 1 {
		t.Fatalf("bob's statuses on A before the block: %d", len(got))
	}

	ac.obj("POST", "/api/v1/domain_blocks", url.Values{"domain": {bobOnA.Domain}})
	acctCheckRelationship(t, ac.list("/api/v1/accounts/relationships?id[]=" + db.FormatID(bobOnA.ID))[0].(map[string]any),
		map[string]any{"domain_blocking": true, "following": false, "followed_by": false})
	if got := ac.list("/api/v1/accounts/" + db.FormatID(bobOnA.ID) + "/statuses"); len(got) != 0 {
		t.Errorf("bob's statuses on A after the block: %d", len(got))
	}
	aliceOnB := b.RemoteAccount(alice, a)
	kontortest.Eventually(t, kontortest.Wait, "B to drop both follows", func() bool {
		_, err1 := b.DB.FollowBetween(acctCtx, aliceOnB.ID, bob.Account.ID)
		_, err2 := b.DB.FollowBetween(acctCtx, bob.Account.ID, aliceOnB.ID)
		return err1 != nil && err2 != nil
	})
	// The block is the user's only: the instance still federates with B.
	ac.obj("DELETE", "/api/v1/domain_blocks", url.Values{"domain": {bobOnA.Domain}})
	acctCheckRelationship(t, ac.list("/api/v1/accounts/relationships?id[]=" + db.FormatID(bobOnA.ID))[0].(map[string]any),
		map[string]any{"domain_blocking": false})
}
