package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Who sees which of alice's statuses on her profile: public, unlisted,
// private and direct × owner, follower, mentioned, stranger, anonymous;
// blocks, both ways, hide everything.
func TestAccountStatusesVisibility(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol, dave, eve := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave"), in.CreateUser("eve")
	if _, err := in.Engine().Follow(acctCtx, bob.Account, alice.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	pub := acctPost(t, in, alice, "public", db.Public)
	unl := acctPost(t, in, alice, "unlisted", db.Unlisted)
	prv := acctPost(t, in, alice, "followers only, and @carol", db.Private)
	dm := acctPost(t, in, alice, "@carol direct", db.Direct)
	id := func(s *db.Status) string { return db.FormatID(s.ID) }

	cases := []struct {
		viewer string
		user   *kontortest.User
		want   []string
	}{
		{"owner", alice, []string{id(dm), id(prv), id(unl), id(pub)}},
		{"follower", bob, []string{id(prv), id(unl), id(pub)}},
		{"mentioned", carol, []string{id(dm), id(prv), id(unl), id(pub)}},
		{"stranger", dave, []string{id(unl), id(pub)}},
		{"anonymous", nil, []string{id(unl), id(pub)}},
	}
	path := "/api/v1/accounts/" + acctID(alice) + "/statuses"
	for _, tc := range cases {
		t.Run(tc.viewer, func(t *testing.T) {
			list := acctAs(t, in, tc.user).list(path)
			if got := acctIDs(list); !slices.Equal(got, tc.want) {
				t.Errorf("sees %v, want %v", got, tc.want)
			}
			for _, s := range list {
				st := s.(map[string]any)
				if !acctTimeRE.MatchString(st["created_at"].(string)) {
					t.Errorf("created_at %v", st["created_at"])
				}
				acctCheckAccount(t, st["account"].(map[string]any))
			}
		})
	}

	// Blocks, both ways: nothing at all.
	if err := in.Engine().Block(acctCtx, alice.Account, dave.Account); err != nil {
		t.Fatal(err)
	}
	if err := in.Engine().Block(acctCtx, eve.Account, alice.Account); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*kontortest.User{dave, eve} {
		if got := acctIDs(acctAs(t, in, u).list(path)); len(got) != 0 {
			t.Errorf("%s, blocked, sees %v", u.Account.Username, got)
		}
	}
	// go-mastodon reads the profile too.
	list, err := acctAs(t, in, bob).masto().GetAccountStatuses(acctCtx, mastodon.ID(acctID(alice)), nil)
	if err != nil || len(list) != 3 {
		t.Errorf("go-mastodon: %v, %d statuses", err, len(list))
	}
}

func TestAccountStatusesFilters(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	c := acctAs(t, in, bob)
	bobPost := acctPost(t, in, bob, "bob's", db.Public)

	tagged := acctPost(t, in, alice, "about #Kontor", db.Public)
	reply := in.Post(alice, activitypub.PostParams{Text: "@bob yes", Visibility: db.Public, InReplyToID: &bobPost.ID})
	selfReply := in.Post(alice, activitypub.PostParams{Text: "and more", Visibility: db.Public, InReplyToID: &tagged.ID})
	boost, err := in.Engine().Reblog(acctCtx, alice.Account, bobPost.ID, db.Public)
	if err != nil {
		t.Fatal(err)
	}
	// A picture, attached through a media row of alice's.
	acct, _ := in.DB.AccountByID(acctCtx, alice.Account.ID)
	m := &db.MediaAttachment{ID: in.DB.NewID(), AccountID: alice.Account.ID, Kind: "image", RemoteURL: "https://example.com/a.png"}
	if err := in.DB.UpdateCredentials(acctCtx, db.CredentialsUpdate{Account: acct, NewMedia: []*db.MediaAttachment{m}}); err != nil {
		t.Fatal(err)
	}
	pic := in.Post(alice, activitypub.PostParams{Text: "a picture", Visibility: db.Public, MediaIDs: []int64{m.ID}})
	id := func(s *db.Status) string { return db.FormatID(s.ID) }

	path := "/api/v1/accounts/" + acctID(alice) + "/statuses"
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{id(pic), id(boost), id(selfReply), id(reply), id(tagged)}},
		{"exclude_replies=true", []string{id(pic), id(boost), id(selfReply), id(tagged)}},
		{"exclude_reblogs=1", []string{id(pic), id(selfReply), id(reply), id(tagged)}},
		{"only_media=true", []string{id(pic)}},
		{"tagged=kontor", []string{id(tagged)}},
		{"tagged=%23KONTOR", []string{id(tagged)}},
		{"pinned=true", []string{}},
		{"exclude_replies=true&exclude_reblogs=true&limit=2", []string{id(pic), id(selfReply)}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := acctIDs(c.list(path + "?" + tc.query))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// The boost carries the original.
	for _, s := range c.list(path + "?limit=2") {
		st := s.(map[string]any)
		if st["id"] == id(boost) {
			if r, _ := st["reblog"].(map[string]any); r == nil || r["id"] != id(bobPost) {
				t.Errorf("boost %v", st)
			}
		}
	}

	// Paging: Link next/prev, absolute, keeping the other parameters; no
	// Link on an empty page, nor for pinned statuses.
	code, h, _ := c.do("GET", path+"?limit=2&exclude_reblogs=true", nil)
	link := h.Get("Link")
	if code != 200 || !strings.Contains(link, `<`+in.URL+path+`?`) || !strings.Contains(link, `rel="next"`) || !strings.Contains(link, `rel="prev"`) ||
		!strings.Contains(link, "max_id="+id(selfReply)) || !strings.Contains(link, "min_id="+id(pic)) || !strings.Contains(link, "exclude_reblogs=true") || !strings.Contains(link, "limit=2") {
		t.Errorf("Link %q", link)
	}
	if _, h, _ := c.do("GET", path+"?max_id="+id(tagged), nil); h.Get("Link") != "" {
		t.Errorf("Link on an empty page: %q", h.Get("Link"))
	}
	if got := acctIDs(c.list(path + "?min_id=" + id(reply) + "&limit=2")); !slices.Equal(got, []string{id(boost), id(selfReply)}) {
		t.Errorf("min_id page %v", got)
	}
	if got := acctIDs(c.list(path + "?since_id=" + id(reply) + "&limit=2")); !slices.Equal(got, []string{id(pic), id(boost)}) {
		t.Errorf("since_id page %v", got)
	}
	if _, h, body := c.do("GET", path+"?pinned=true&max_id="+id(pic), nil); h.Get("Link") != "" || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("pinned, later page: %s Link=%q", body, h.Get("Link"))
	}
	// go-mastodon pages through with the Link header.
	mc := c.masto()
	pg := &mastodon.Pagination{Limit: 2}
	var all []string
	for range 5 {
		page, err := mc.GetAccountStatuses(acctCtx, mastodon.ID(acctID(alice)), pg)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			all = append(all, string(s.ID))
		}
		if pg.MaxID == "" {
			break
		}
		pg = &mastodon.Pagination{Limit: 2, MaxID: pg.MaxID}
	}
	if !slices.Equal(all, cases[0].want) {
		t.Errorf("go-mastodon paged %v", all)
	}

	// Bad parameters.
	for _, q := range []string{"only_media=maybe", "limit=many", "max_id=abc", "pinned=2"} {
		c.fails("GET", path+"?"+q, nil, 422, strings.Split(q, "=")[0])
	}
	c.fails("GET", "/api/v1/accounts/424242/statuses", nil, 404, "not found")
	acctAs(t, in, acctToken(t, in, bob, "read:accounts")).fails("GET", path, nil, 403, "scope")
	acctAs(t, in, acctToken(t, in, bob, "read:statuses")).list(path)
}

// Followers and following: paged by follow, hidden collections are empty to
// others, and so are the collections of an account that blocks the caller.
func TestAccountFollowCollections(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	var fans []*kontortest.User
	for _, n := range []string{"f1", "f2", "f3", "f4", "f5"} {
		u := in.CreateUser(n)
		if _, err := in.Engine().Follow(acctCtx, u.Account, alice.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
			t.Fatal(err)
		}
		fans = append(fans, u)
	}
	followers := "/api/v1/accounts/" + acctID(alice) + "/followers"
	anon := acctAs(t, in, nil)
	want := []string{acctID(fans[4]), acctID(fans[3]), acctID(fans[2]), acctID(fans[1]), acctID(fans[0])}
	if got := acctIDs(anon.list(followers)); !slices.Equal(got, want) {
		t.Fatalf("followers %v, want %v", got, want)
	}
	for _, a := range anon.list(followers) {
		acctCheckAccount(t, a.(map[string]any))
	}
	// go-mastodon pages two at a time.
	mc := acctAs(t, in, fans[0]).masto()
	var got []string
	pg := &mastodon.Pagination{Limit: 2}
	for range 5 {
		page, err := mc.GetAccountFollowers(acctCtx, mastodon.ID(acctID(alice)), pg)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			got = append(got, string(a.ID))
		}
		if pg.MaxID == "" {
			break
		}
		pg = &mastodon.Pagination{Limit: 2, MaxID: pg.MaxID}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged followers %v", got)
	}
	_, h, _ := anon.do("GET", followers+"?limit=2", nil)
	if l := h.Get("Link"); !strings.Contains(l, in.URL+followers+"?") || !strings.Contains(l, `rel="next"`) || !strings.Contains(l, "limit=2") {
		t.Errorf("Link %q", l)
	}
	following, err := mc.GetAccountFollowing(acctCtx, mastodon.ID(acctID(fans[0])), nil)
	if err != nil || len(following) != 1 || string(following[0].ID) != acctID(alice) {
		t.Errorf("following of f1: %v %v", err, following)
	}

	// Hidden collections: empty to others, whole to alice.
	acctAs(t, in, alice).obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"hide_collections": {"true"}})
	for _, p := range []string{followers, "/api/v1/accounts/" + acctID(alice) + "/following"} {
		for _, c := range []*acctClient{anon, acctAs(t, in, fans[0])} {
			if _, h, body := c.do("GET", p, nil); strings.TrimSpace(string(body)) != "[]" || h.Get("Link") != "" {
				t.Errorf("hidden %s: %s Link=%q", p, body, h.Get("Link"))
			}
		}
	}
	if got := acctIDs(acctAs(t, in, alice).list(followers)); len(got) != 5 {
		t.Errorf("alice sees %d of her followers", len(got))
	}
	acctAs(t, in, alice).obj("PATCH", "/api/v1/accounts/update_credentials", url.Values{"hide_collections": {"false"}})
	// A blocked caller sees nothing; the block also ended f2's follow.
	if err := in.Engine().Block(acctCtx, alice.Account, fans[1].Account); err != nil {
		t.Fatal(err)
	}
	if got := acctIDs(acctAs(t, in, fans[1]).list(followers)); len(got) != 0 {
		t.Errorf("blocked caller sees %v", got)
	}
	if got := acctIDs(anon.list(followers)); len(got) != 4 || slices.Contains(got, acctID(fans[1])) {
		t.Errorf("after the block: %v", got)
	}
	anon.fails("GET", "/api/v1/accounts/1/followers", nil, 404, "not found")
	anon.fails("GET", followers+"?limit=x", nil, 422, "limit")
}
