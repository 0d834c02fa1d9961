package api_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

type miscListJSON struct {
	ID            *string `json:"id"`
	Title         *string `json:"title"`
	RepliesPolicy *string `json:"replies_policy"`
	Exclusive     *bool   `json:"exclusive"`
}

func TestLists(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol, dave := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol"), w.in.CreateUser("dave")
	w.follow(alice, bob)
	w.follow(alice, carol)
	c := w.client(alice)

	if lists, err := c.GetLists(ctx); err != nil || len(lists) != 0 {
		t.Fatalf("no lists yet: %v %v", lists, err)
	}
	l, err := c.CreateList(ctx, "Friends")
	if err != nil || l.Title != "Friends" || l.ID == "" {
		t.Fatalf("create: %+v %v", l, err)
	}
	var raw miscListJSON
	w.call("GET", "/api/v1/lists/"+string(l.ID), alice.Token, nil, 200, &raw)
	if raw.ID == nil || raw.Title == nil || raw.RepliesPolicy == nil || *raw.RepliesPolicy != "list" || raw.Exclusive == nil || *raw.Exclusive {
		t.Errorf("list entity: %+v", raw)
	}
	if l, err = c.RenameList(ctx, l.ID, "Close friends"); err != nil || l.Title != "Close friends" {
		t.Errorf("rename: %+v %v", l, err)
	}
	w.call("PUT", "/api/v1/lists/"+string(l.ID), alice.Token, map[string]any{"replies_policy": "followed", "exclusive": true}, 200, &raw)
	if *raw.RepliesPolicy != "followed" || !*raw.Exclusive || *raw.Title != "Close friends" {
		t.Errorf("update: %+v", raw)
	}
	w.call("POST", "/api/v1/lists", alice.Token, url.Values{"title": {"Work"}, "replies_policy": {"none"}, "exclusive": {"1"}}, 200, &raw)
	if *raw.RepliesPolicy != "none" || !*raw.Exclusive {
		t.Errorf("create with options: %+v", raw)
	}
	work := *raw.ID

	if err := c.AddToList(ctx, l.ID, mastodon.ID(db.FormatID(bob.Account.ID)), mastodon.ID(db.FormatID(carol.Account.ID))); err != nil {
		t.Fatal(err)
	}
	members, err := c.GetListAccounts(ctx, l.ID)
	if err != nil || len(members) != 2 {
		t.Fatalf("members: %v %v", members, err)
	}
	// Adding again is harmless.
	if err := c.AddToList(ctx, l.ID, mastodon.ID(db.FormatID(bob.Account.ID))); err != nil {
		t.Errorf("add twice: %v", err)
	}

	t.Run("bad input", func(t *testing.T) {
		lid := string(l.ID)
		cases := []struct {
			method, path string
			body         any
			token        string
			want         int
		}{
			{"POST", "/api/v1/lists", map[string]any{"title": ""}, alice.Token, 422},
			{"POST", "/api/v1/lists", map[string]any{"title": "   "}, alice.Token, 422},
			{"POST", "/api/v1/lists", map[string]any{}, alice.Token, 422},
			{"POST", "/api/v1/lists", map[string]any{"title": "x", "replies_policy": "everyone"}, alice.Token, 422},
			{"POST", "/api/v1/lists", map[string]any{"title": "x", "exclusive": "maybe"}, alice.Token, 422},
			{"POST", "/api/v1/lists", "{", alice.Token, 400},
			{"PUT", "/api/v1/lists/" + lid, map[string]any{"title": ""}, alice.Token, 422},
			{"GET", "/api/v1/lists/999", nil, alice.Token, 404},
			{"GET", "/api/v1/lists/abc", nil, alice.Token, 404},
			{"GET", "/api/v1/lists/" + lid, nil, bob.Token, 404},
			{"PUT", "/api/v1/lists/" + lid, map[string]any{"title": "mine"}, bob.Token, 404},
			{"DELETE", "/api/v1/lists/" + lid, nil, bob.Token, 404},
			{"GET", "/api/v1/lists/" + lid + "/accounts", nil, bob.Token, 404},
			{"POST", "/api/v1/lists/" + lid + "/accounts", map[string]any{"account_ids": []string{db.FormatID(carol.Account.ID)}}, bob.Token, 404},
			{"GET", "/api/v1/timelines/list/" + lid, nil, bob.Token, 404},
			// dave is not followed: nothing is added, not even carol.
			{"POST", "/api/v1/lists/" + work + "/accounts", map[string]any{"account_ids": []string{db.FormatID(carol.Account.ID), db.FormatID(dave.Account.ID)}}, alice.Token, 422},
			{"POST", "/api/v1/lists/" + work + "/accounts", map[string]any{"account_ids": []string{"424242"}}, alice.Token, 404},
			{"POST", "/api/v1/lists/" + work + "/accounts", map[string]any{"account_ids": []string{"x"}}, alice.Token, 422},
			{"GET", "/api/v1/lists", nil, "", 401},
			{"GET", "/api/v1/lists", nil, w.token(alice, "read:accounts"), 403},
			{"POST", "/api/v1/lists", map[string]any{"title": "x"}, w.token(alice, "read:lists"), 403},
			{"GET", "/api/v1/timelines/list/" + lid, nil, w.token(alice, "read:statuses"), 403},
		}
		for _, tc := range cases {
			resp, data := w.do(tc.method, tc.path, tc.token, tc.body)
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s %v: %d, want %d: %s", tc.method, tc.path, tc.body, resp.StatusCode, tc.want, data)
			}
			if resp.StatusCode >= 400 {
				miscErrorOf(t, data)
			}
		}
		lists, _ := c.GetLists(ctx)
		if len(lists) != 2 || lists[0].Title != "Close friends" {
			t.Errorf("lists after refused requests: %+v", lists)
		}
		var ms []struct{ ID string }
		w.call("GET", "/api/v1/lists/"+work+"/accounts", alice.Token, nil, 200, &ms)
		if len(ms) != 0 {
			t.Errorf("refused add stored members: %v", ms)
		}
		if bobs, _ := w.client(bob).GetLists(ctx); len(bobs) != 0 {
			t.Errorf("bob sees lists: %v", bobs)
		}
	})

	t.Run("member paging", func(t *testing.T) {
		w.follow(alice, dave)
		w.call("POST", "/api/v1/lists/"+work+"/accounts", alice.Token, url.Values{"account_ids[]": {
			db.FormatID(bob.Account.ID), db.FormatID(carol.Account.ID), db.FormatID(dave.Account.ID)}}, 200, nil)
		// The query behind GET /api/v1/accounts/:id/lists.
		if ls, err := w.in.DB.ListsWithMember(ctx, alice.Account.ID, bob.Account.ID); err != nil || len(ls) != 2 {
			t.Errorf("lists with bob: %v %v", ls, err)
		}
		if ls, err := w.in.DB.ListsWithMember(ctx, bob.Account.ID, bob.Account.ID); err != nil || len(ls) != 0 {
			t.Errorf("bob's lists with bob: %v %v", ls, err)
		}
		var page []struct{ ID string }
		resp := w.call("GET", "/api/v1/lists/"+work+"/accounts?limit=2", alice.Token, nil, 200, &page)
		link := resp.Header.Get("Link")
		if len(page) != 2 || !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "max_id="+page[1].ID) {
			t.Fatalf("page 1: %v, Link %q", page, link)
		}
		w.call("GET", "/api/v1/lists/"+work+"/accounts?limit=2&max_id="+page[1].ID, alice.Token, nil, 200, &page)
		if len(page) != 1 || page[0].ID != db.FormatID(bob.Account.ID) {
			t.Errorf("page 2: %v", page)
		}
		resp = w.call("GET", "/api/v1/lists/"+work+"/accounts?limit=0", alice.Token, nil, 200, &page)
		if len(page) != 3 || resp.Header.Get("Link") != "" {
			t.Errorf("limit=0: %v, Link %q", page, resp.Header.Get("Link"))
		}
		// Unfollowing takes the account off the list, as Mastodon does.
		if err := w.in.Engine().Unfollow(ctx, alice.Account, dave.Account); err != nil {
			t.Fatal(err)
		}
		w.call("GET", "/api/v1/lists/"+work+"/accounts?limit=0", alice.Token, nil, 200, &page)
		if len(page) != 2 {
			t.Errorf("after unfollow: %v", page)
		}
		w.call("DELETE", "/api/v1/lists/"+work+"/accounts", alice.Token, map[string]any{"account_ids": []string{db.FormatID(carol.Account.ID)}}, 200, nil)
		w.call("GET", "/api/v1/lists/"+work+"/accounts?limit=0", alice.Token, nil, 200, &page)
		if len(page) != 1 || page[0].ID != db.FormatID(bob.Account.ID) {
			t.Errorf("after remove: %v", page)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := c.RemoveFromList(ctx, l.ID, mastodon.ID(db.FormatID(carol.Account.ID))); err != nil {
			t.Fatal(err)
		}
		if m, _ := c.GetListAccounts(ctx, l.ID); len(m) != 1 {
			t.Errorf("after RemoveFromList: %v", m)
		}
		var empty map[string]any
		w.call("DELETE", "/api/v1/lists/"+work, alice.Token, nil, 200, &empty)
		if len(empty) != 0 {
			t.Errorf("delete answered %v", empty)
		}
		if _, err := c.GetList(ctx, mastodon.ID(work)); err == nil {
			t.Error("deleted list still there")
		}
		if err := c.DeleteList(ctx, mastodon.ID(work)); err == nil {
			t.Error("second delete succeeded")
		}
	})
}

// The list timeline shows members' statuses the owner may see, with replies
// as the list's replies policy says.
func TestListTimelineThroughListsAPI(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol, dave := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol"), w.in.CreateUser("dave")
	w.follow(alice, bob)
	w.follow(alice, carol)
	c := w.client(alice)
	l, err := c.CreateList(ctx, "bob only")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddToList(ctx, l.ID, mastodon.ID(db.FormatID(bob.Account.ID))); err != nil {
		t.Fatal(err)
	}
	carolPost := w.post(carol, "carol speaks", db.Public)
	davePost := w.post(dave, "dave speaks", db.Public)
	texts := map[string]string{}
	add := func(name string, s *db.Status) { texts[db.FormatID(s.ID)] = name }
	bobPublic := w.post(bob, "bob public", db.Public)
	add("public", bobPublic)
	add("private", w.post(bob, "bob to followers", db.Private))
	w.post(bob, "@dave just us", db.Direct) // not for alice
	w.post(carol, "not on the list", db.Public)
	add("self-reply", w.in.Post(bob, activitypub.PostParams{Text: "more", Visibility: db.Public, InReplyToID: &bobPublic.ID}))
	add("reply-to-followed", w.in.Post(bob, activitypub.PostParams{Text: "@carol yes", Visibility: db.Public, InReplyToID: &carolPost.ID}))
	add("reply-to-stranger", w.in.Post(bob, activitypub.PostParams{Text: "@dave no", Visibility: db.Public, InReplyToID: &davePost.ID}))
	if _, err := w.in.Engine().Reblog(ctx, bob.Account, carolPost.ID, db.Public); err != nil {
		t.Fatal(err)
	}

	names := func(policy string) []string {
		w.call("PUT", "/api/v1/lists/"+string(l.ID), alice.Token, map[string]any{"replies_policy": policy}, 200, nil)
		list, err := c.GetTimelineList(ctx, l.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range list {
			if s.Reblog != nil {
				out = append(out, "boost")
				continue
			}
			out = append(out, texts[string(s.ID)])
		}
		return out
	}
	want := map[string][]string{
		"list":     {"boost", "self-reply", "private", "public"},
		"followed": {"boost", "reply-to-followed", "self-reply", "private", "public"},
		"none":     {"boost", "self-reply", "private", "public"},
	}
	for _, policy := range []string{"list", "followed", "none"} {
		if got := names(policy); !slices.Equal(got, want[policy]) {
			t.Errorf("%s: %v, want %v", policy, got, want[policy])
		}
	}
	// Paging through the Link header.
	pg := &mastodon.Pagination{Limit: 2}
	first, err := c.GetTimelineList(ctx, l.ID, pg)
	if err != nil || len(first) != 2 || pg.MaxID == "" {
		t.Fatalf("page 1: %d %v %+v", len(first), err, pg)
	}
	rest, err := c.GetTimelineList(ctx, l.ID, &mastodon.Pagination{MaxID: pg.MaxID, Limit: 10})
	if err != nil || len(rest) != 2 {
		t.Errorf("page 2: %d %v", len(rest), err)
	}
	// Once alice no longer follows bob, his private post leaves the list
	// (and so does he: unfollowing takes him off).
	if err := w.in.Engine().Unfollow(ctx, alice.Account, bob.Account); err != nil {
		t.Fatal(err)
	}
	if got := names("list"); len(got) != 0 {
		t.Errorf("after unfollow: %v", got)
	}
}
