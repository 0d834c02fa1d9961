package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func TestRelationshipActions(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	c := acctAs(t, in, alice)
	mc := c.masto()
	bobID := mastodon.ID(acctID(bob))
	rel := func(u *kontortest.User, other *kontortest.User) map[string]any {
		t.Helper()
		list := acctAs(t, in, u).list("/api/v1/accounts/relationships?id[]=" + acctID(other))
		if len(list) != 1 {
			t.Fatalf("relationships: %v", list)
		}
		return list[0].(map[string]any)
	}

	// Nothing yet: every field present, all false, languages null.
	acctCheckRelationship(t, rel(alice, bob), map[string]any{"id": acctID(bob), "following": false, "showing_reblogs": false,
		"notifying": false, "languages": nil, "followed_by": false, "blocking": false, "blocked_by": false, "muting": false,
		"muting_notifications": false, "muting_expires_at": nil, "requested": false, "requested_by": false,
		"domain_blocking": false, "endorsed": false, "note": ""})

	// Follow (go-mastodon), then change the options with a second follow.
	r, err := mc.AccountFollow(acctCtx, bobID)
	if err != nil || !r.Following || r.Requested || !r.ShowingReblogs {
		t.Fatalf("follow: %v %+v", err, r)
	}
	v := c.obj("POST", "/api/v1/accounts/"+acctID(bob)+"/follow", url.Values{"reblogs": {"false"}, "notify": {"true"}, "languages[]": {"en", "de"}})
	acctCheckRelationship(t, v, map[string]any{"following": true, "showing_reblogs": false, "notifying": true, "languages": []any{"en", "de"}})
	// Options not sent stay as they are.
	v = c.obj("POST", "/api/v1/accounts/"+acctID(bob)+"/follow", acctJSON(`{"notify":false}`))
	acctCheckRelationship(t, v, map[string]any{"following": true, "showing_reblogs": false, "notifying": false, "languages": []any{"en", "de"}})
	acctCheckRelationship(t, rel(bob, alice), map[string]any{"followed_by": true, "following": false})
	if a, _ := in.DB.AccountByID(acctCtx, bob.Account.ID); a.FollowersCount != 1 {
		t.Errorf("bob has %d followers", a.FollowersCount)
	}

	// Batch: request order, duplicates and unknown IDs dropped.
	rels, err := mc.GetAccountRelationships(acctCtx, []string{acctID(carol), acctID(bob), "777", acctID(carol)})
	if err != nil || len(rels) != 2 || string(rels[0].ID) != acctID(carol) || string(rels[1].ID) != acctID(bob) || !rels[1].Following {
		t.Errorf("batch: %v %+v", err, rels)
	}
	single := c.list("/api/v1/accounts/relationships?id=" + acctID(bob))
	if len(single) != 1 {
		t.Errorf("id= (no brackets): %v", single)
	}

	if r, err := mc.AccountUnfollow(acctCtx, bobID); err != nil || r.Following {
		t.Errorf("unfollow: %v %+v", err, r)
	}

	// Mute with and without notifications and an end.
	if r, err := mc.AccountMute(acctCtx, bobID); err != nil || !r.Muting || !r.MutingNotifications {
		t.Errorf("mute: %v %+v", err, r)
	}
	v = c.obj("POST", "/api/v1/accounts/"+acctID(bob)+"/mute", url.Values{"notifications": {"false"}, "duration": {"3600"}})
	acctCheckRelationship(t, v, map[string]any{"muting": true, "muting_notifications": false})
	exp, _ := v["muting_expires_at"].(string)
	if ts, err := time.Parse(time.RFC3339, exp); !acctTimeRE.MatchString(exp) || err != nil || time.Until(ts) < 59*time.Minute || time.Until(ts) > 61*time.Minute {
		t.Errorf("muting_expires_at %q", exp)
	}
	if r, err := mc.AccountUnmute(acctCtx, bobID); err != nil || r.Muting {
		t.Errorf("unmute: %v %+v", err, r)
	}

	// Block ends follows both ways; the other side sees blocked_by.
	mc.AccountFollow(acctCtx, bobID)
	acctAs(t, in, bob).masto().AccountFollow(acctCtx, mastodon.ID(acctID(alice)))
	if r, err := mc.AccountBlock(acctCtx, bobID); err != nil || !r.Blocking || r.Following || r.FollowedBy {
		t.Errorf("block: %v %+v", err, r)
	}
	acctCheckRelationship(t, rel(bob, alice), map[string]any{"blocked_by": true, "following": false})
	// bob may not follow alice while she blocks him.
	acctAs(t, in, bob).fails("POST", "/api/v1/accounts/"+acctID(alice)+"/follow", nil, 403, "not allowed")
	if r, err := mc.AccountUnblock(acctCtx, bobID); err != nil || r.Blocking {
		t.Errorf("unblock: %v %+v", err, r)
	}

	// remove_from_followers.
	acctAs(t, in, bob).obj("POST", "/api/v1/accounts/"+acctID(alice)+"/follow", nil)
	v = c.obj("POST", "/api/v1/accounts/"+acctID(bob)+"/remove_from_followers", nil)
	acctCheckRelationship(t, v, map[string]any{"followed_by": false})
	acctCheckRelationship(t, rel(bob, alice), map[string]any{"following": false, "requested": false})

	// A private note.
	v = c.obj("POST", "/api/v1/accounts/"+acctID(bob)+"/note", url.Values{"comment": {"met at the conference"}})
	acctCheckRelationship(t, v, map[string]any{"note": "met at the conference"})
	if got := rel(bob, alice)["note"]; got != "" {
		t.Errorf("bob sees alice's note about him: %v", got)
	}
	c.fails("POST", "/api/v1/accounts/"+acctID(bob)+"/note", url.Values{"comment": {strings.Repeat("x", 2001)}}, 422, "comment")
	v = c.obj("POST", "/api/v1/accounts/"+acctID(bob)+"/note", acctJSON(`{"comment":""}`))
	acctCheckRelationship(t, v, map[string]any{"note": ""})

	// Oneself: follow is "not found" (as on Mastodon), block and mute do nothing.
	c.fails("POST", "/api/v1/accounts/"+acctID(alice)+"/follow", nil, 404, "not found")
	acctCheckRelationship(t, c.obj("POST", "/api/v1/accounts/"+acctID(alice)+"/block", nil), map[string]any{"blocking": false})
	acctCheckRelationship(t, c.obj("POST", "/api/v1/accounts/"+acctID(alice)+"/mute", nil), map[string]any{"muting": false})
	// Suspended and unknown targets.
	in.DB.SuspendAccount(acctCtx, carol.Account.ID)
	c.fails("POST", "/api/v1/accounts/"+acctID(carol)+"/follow", nil, 404, "not found")
	if got := c.list("/api/v1/accounts/relationships?id[]=" + acctID(carol)); len(got) != 0 {
		t.Errorf("suspended account in relationships: %v", got)
	}
	if got := c.list("/api/v1/accounts/relationships?with_suspended=true&id[]=" + acctID(carol)); len(got) != 1 {
		t.Errorf("with_suspended: %v", got)
	}
	for _, action := range []string{"follow", "unfollow", "block", "unblock", "mute", "unmute", "remove_from_followers", "note"} {
		c.fails("POST", "/api/v1/accounts/90909/"+action, nil, 404, "not found")
	}

	// Refused input stores nothing.
	for _, body := range []url.Values{{"duration": {"-5"}}, {"duration": {"soon"}}, {"notifications": {"perhaps"}}} {
		c.fails("POST", "/api/v1/accounts/"+acctID(bob)+"/mute", body, 422, "")
	}
	c.fails("POST", "/api/v1/accounts/"+acctID(bob)+"/follow", url.Values{"reblogs": {"sure"}}, 422, "reblogs")
	c.fails("POST", "/api/v1/accounts/"+acctID(bob)+"/follow", url.Values{"languages[]": {"english!"}}, 422, "languages")
	acctCheckRelationship(t, rel(alice, bob), map[string]any{"muting": false, "following": false})
	c.fails("GET", "/api/v1/accounts/relationships?id[]=abc", nil, 422, "id")
}

// Scopes as Mastodon maps them, including the legacy "follow" scope.
func TestRelationshipScopes(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	target := "/api/v1/accounts/" + acctID(bob)
	cases := []struct {
		method, path string
		ok, denied   []string
	}{
		{"POST", target + "/follow", []string{"write:follows", "write", "follow"}, []string{"write:blocks", "read"}},
		{"POST", target + "/unfollow", []string{"write:follows", "follow"}, []string{"write:mutes"}},
		{"POST", target + "/block", []string{"write:blocks", "follow"}, []string{"write:follows"}},
		{"POST", target + "/unblock", []string{"write:blocks"}, []string{"read:blocks"}},
		{"POST", target + "/mute", []string{"write:mutes", "follow"}, []string{"write:blocks"}},
		{"POST", target + "/unmute", []string{"write:mutes"}, []string{"read:mutes"}},
		{"POST", target + "/remove_from_followers", []string{"write:follows"}, []string{"write:accounts"}},
		{"POST", target + "/note", []string{"write:accounts"}, []string{"write:follows"}},
		{"GET", "/api/v1/accounts/relationships?id[]=" + acctID(bob), []string{"read:follows", "follow"}, []string{"read:accounts"}},
		{"GET", "/api/v1/accounts/familiar_followers?id[]=" + acctID(bob), []string{"read:follows"}, []string{"read:accounts"}},
		{"GET", "/api/v1/follow_requests", []string{"read:follows", "follow"}, []string{"write:follows"}},
		{"GET", "/api/v1/blocks", []string{"read:blocks", "follow"}, []string{"read:mutes"}},
		{"GET", "/api/v1/mutes", []string{"read:mutes", "follow"}, []string{"read:blocks"}},
		{"GET", "/api/v1/domain_blocks", []string{"read:blocks", "follow"}, []string{"read:mutes"}},
		{"POST", "/api/v1/domain_blocks?domain=example.org", []string{"write:blocks", "follow"}, []string{"write:mutes"}},
		{"DELETE", "/api/v1/domain_blocks?domain=example.org", []string{"write:blocks"}, []string{"read:blocks"}},
		{"GET", "/api/v1/accounts/search?q=bob", []string{"read:accounts"}, []string{"read:follows"}},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			acctAs(t, in, nil).fails(tc.method, tc.path, nil, 401, "token")
			for _, s := range tc.denied {
				acctAs(t, in, acctToken(t, in, alice, s)).fails(tc.method, tc.path, nil, 403, "scope")
			}
			for _, s := range tc.ok {
				if code, _, body := acctAs(t, in, acctToken(t, in, alice, s)).do(tc.method, tc.path, nil); code != 200 {
					t.Errorf("scope %s: %d %s", s, code, body)
				}
			}
		})
	}
}

func TestFollowRequests(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol, dave, erin := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave"), in.CreateUser("erin")
	ac := acctAs(t, in, alice)
	ac.obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"locked": {"true"}})
	for _, u := range []*kontortest.User{bob, carol, dave} {
		r, err := acctAs(t, in, u).masto().AccountFollow(acctCtx, mastodon.ID(acctID(alice)))
		if err != nil || r.Following || !r.Requested {
			t.Fatalf("%s follows a locked account: %v %+v", u.Account.Username, err, r)
		}
	}
	acctCheckRelationship(t, ac.list("/api/v1/accounts/relationships?id[]=" + acctID(bob))[0].(map[string]any), map[string]any{"requested_by": true, "followed_by": false})
	if n := ac.obj("GET", "/api/v1/accounts/verify_credentials", nil)["source"].(map[string]any)["follow_requests_count"]; n != 3.0 {
		t.Errorf("follow_requests_count %v", n)
	}
	reqs, err := ac.masto().GetFollowRequests(acctCtx, nil)
	if err != nil || len(reqs) != 3 || string(reqs[0].ID) != acctID(dave) {
		t.Fatalf("follow requests: %v %+v", err, reqs)
	}
	code, h, _ := ac.do("GET", "/api/v1/follow_requests?limit=2", nil)
	if l := h.Get("Link"); code != 200 || !strings.Contains(l, in.URL+"/api/v1/follow_requests?") || !strings.Contains(l, `rel="next"`) {
		t.Errorf("Link %q", l)
	}
	if got := acctIDs(ac.list("/api/v1/follow_requests?limit=2")); !slices.Equal(got, []string{acctID(dave), acctID(carol)}) {
		t.Errorf("first page %v", got)
	}

	if err := ac.masto().FollowRequestAuthorize(acctCtx, mastodon.ID(acctID(bob))); err != nil {
		t.Fatal(err)
	}
	acctCheckRelationship(t, acctAs(t, in, bob).list("/api/v1/accounts/relationships?id[]=" + acctID(alice))[0].(map[string]any),
		map[string]any{"following": true, "requested": false})
	v := ac.obj("POST", "/api/v1/follow_requests/"+acctID(carol)+"/reject", nil)
	acctCheckRelationship(t, v, map[string]any{"followed_by": false, "requested_by": false})
	if _, err := in.DB.FollowBetween(acctCtx, carol.Account.ID, alice.Account.ID); err == nil {
		t.Error("carol's request survived the rejection")
	}
	// No pending request: 404, and an accepted follower is not "rejected".
	ac.fails("POST", "/api/v1/follow_requests/"+acctID(erin)+"/authorize", nil, 404, "not found")
	ac.fails("POST", "/api/v1/follow_requests/"+acctID(bob)+"/reject", nil, 404, "not found")
	ac.fails("POST", "/api/v1/follow_requests/xyz/authorize", nil, 404, "not found")
	if f, err := in.DB.FollowBetween(acctCtx, bob.Account.ID, alice.Account.ID); err != nil || !f.Accepted {
		t.Errorf("bob's follow after a refused reject: %v %+v", err, f)
	}

	// Unlocking accepts the requests still pending (dave's).
	ac.obj("PATCH", "/api/v1/accounts/update_credentials", acctJSON(`{"locked":false}`))
	if f, err := in.DB.FollowBetween(acctCtx, dave.Account.ID, alice.Account.ID); err != nil || !f.Accepted {
		t.Errorf("dave's request after unlocking: %v %+v", err, f)
	}
	if got := ac.list("/api/v1/follow_requests"); len(got) != 0 {
		t.Errorf("requests left: %v", got)
	}
	if err := ac.masto().FollowRequestReject(acctCtx, mastodon.ID(acctID(dave))); err == nil {
		t.Error("rejecting an accepted follower through follow_requests succeeded")
	}
}

func TestFamiliarFollowers(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol, dave := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave")
	follow := func(a, b *kontortest.User) {
		if _, err := in.Engine().Follow(acctCtx, a.Account, b.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
			t.Fatal(err)
		}
	}
	follow(alice, bob)
	follow(alice, dave)
	follow(bob, carol)
	follow(dave, carol)
	follow(carol, bob)
	c := acctAs(t, in, alice)
	list := c.list("/api/v1/accounts/familiar_followers?id[]=" + acctID(carol) + "&id[]=" + acctID(bob) + "&id[]=5555")
	if len(list) != 2 {
		t.Fatalf("familiar followers %v", list)
	}
	first := list[0].(map[string]any)
	if first["id"] != acctID(carol) || !slices.Equal(acctIDs(first["accounts"].([]any)), []string{acctID(dave), acctID(bob)}) {
		t.Errorf("carol: %v", first)
	}
	if second := list[1].(map[string]any); second["id"] != acctID(bob) || len(second["accounts"].([]any)) != 0 {
		t.Errorf("bob: %v", second)
	}
	// Accounts hiding their collections are not shown.
	acctAs(t, in, dave).obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"hide_collections": {"true"}})
	first = c.list("/api/v1/accounts/familiar_followers?id[]=" + acctID(carol))[0].(map[string]any)
	if got := acctIDs(first["accounts"].([]any)); !slices.Equal(got, []string{acctID(bob)}) {
		t.Errorf("with dave hidden: %v", got)
	}
}

func TestAccountSearch(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, alicia, bob, ali := in.CreateUser("alice"), in.CreateUser("alicia"), in.CreateUser("bob"), in.CreateUser("ali")
	carol, mallory := in.CreateUser("carol"), in.CreateUser("mallory_x")
	acctAs(t, in, bob).obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"display_name": {"Bob the Builder"}})
	c := acctAs(t, in, carol)
	mc := c.masto()

	got, err := mc.AccountsSearch(acctCtx, "ali", 10)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range got {
		names = append(names, a.Acct)
	}
	if len(names) != 3 || names[0] != "ali" || !slices.Contains(names, "alice") || !slices.Contains(names, "alicia") {
		t.Errorf("search ali: %v", names)
	}
	for _, q := range []string{"builder", "Bob", "@bob", "bob@" + in.Config.AccountDomain} {
		if got := acctIDs(c.list("/api/v1/accounts/search?q=" + url.QueryEscape(q))); !slices.Equal(got, []string{acctID(bob)}) {
			t.Errorf("search %q: %v", q, got)
		}
	}
	// LIKE wildcards are literal.
	if got := acctIDs(c.list("/api/v1/accounts/search?q=mallory_")); !slices.Equal(got, []string{acctID(mallory)}) {
		t.Errorf("search mallory_: %v", got)
	}
	if got := c.list("/api/v1/accounts/search?q=%25"); len(got) != 0 {
		t.Errorf("search %%: %v", acctIDs(got))
	}
	if got := c.list("/api/v1/accounts/search?q=a_i"); len(got) != 0 {
		t.Errorf("search a_i: %v", acctIDs(got))
	}
	// limit and offset.
	if got := acctIDs(c.list("/api/v1/accounts/search?q=ali&limit=1&offset=1")); len(got) != 1 || got[0] == acctID(ali) {
		t.Errorf("offset: %v", got)
	}
	// following=true: only accounts carol follows.
	if _, err := mc.AccountFollow(acctCtx, mastodon.ID(acctID(alicia))); err != nil {
		t.Fatal(err)
	}
	if got := acctIDs(c.list("/api/v1/accounts/search?q=ali&following=true")); !slices.Equal(got, []string{acctID(alicia)}) {
		t.Errorf("following: %v", got)
	}
	// Blocks hide accounts both ways; suspended accounts are gone.
	in.Engine().Block(acctCtx, alice.Account, carol.Account)
	in.DB.SuspendAccount(acctCtx, ali.Account.ID)
	if got := acctIDs(c.list("/api/v1/accounts/search?q=ali")); !slices.Equal(got, []string{acctID(alicia)}) {
		t.Errorf("after block and suspension: %v", got)
	}
	// A profile or actor URL names one account; the search rules still apply.
	for _, u := range []string{in.URL + "/@bob", in.URL + "/users/bob"} {
		if got := acctIDs(c.list("/api/v1/accounts/search?q=" + url.QueryEscape(u))); !slices.Equal(got, []string{acctID(bob)}) {
			t.Errorf("search %s: %v", u, got)
		}
	}
	if got := c.list("/api/v1/accounts/search?resolve=true&q=" + url.QueryEscape(in.URL+"/users/alice")); len(got) != 0 {
		t.Errorf("an account that blocks the caller, by URL: %v", acctIDs(got))
	}
	if got := c.list("/api/v1/accounts/search?q=" + url.QueryEscape(in.URL+"/actor")); len(got) != 0 {
		t.Errorf("the instance actor, by URL: %v", acctIDs(got))
	}
	if got := c.list("/api/v1/accounts/search?q="); len(got) != 0 {
		t.Errorf("empty query: %v", got)
	}
	c.fails("GET", "/api/v1/accounts/search?q=ali&limit=x", nil, 422, "limit")
	c.fails("GET", "/api/v1/accounts/search?q=ali&resolve=maybe", nil, 422, "resolve")
	// resolve=true for an unknown remote handle that does not resolve: no error.
	if got := c.list("/api/v1/accounts/search?resolve=true&q=" + url.QueryEscape("nobody@127.0.0.1:1")); len(got) != 0 {
		t.Errorf("unresolvable: %v", got)
	}
	_ = db.Public
}
