package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
)

// Favourite, boost and bookmark through go-mastodon, and back.
func TestFavouriteReblogBookmark(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	bc := stClient(in, bob.Token)
	s := stPost(t, in, alice, map[string]any{"status": "like me"})
	id := mastodon.ID(s.ID)

	fav, err := bc.Favourite(stCtx, id)
	if err != nil || fav.Favourited != true || fav.FavouritesCount != 1 {
		t.Fatalf("favourite: %v %+v", err, fav)
	}
	if again, err := bc.Favourite(stCtx, id); err != nil || again.FavouritesCount != 1 {
		t.Errorf("second favourite: %v %+v", err, again)
	}
	if n, _ := in.DB.Notifications(stCtx, alice.Account.ID, db.NotificationFilter{Types: []string{"favourite"}}, db.Page{Limit: 5}); len(n) != 1 {
		t.Errorf("alice has %d favourite notifications", len(n))
	}
	by, err := bc.GetFavouritedBy(stCtx, id, nil)
	if err != nil || len(by) != 1 || by[0].Acct != "bob" {
		t.Errorf("favourited_by: %v %+v", err, by)
	}
	unfav, err := bc.Unfavourite(stCtx, id)
	if err != nil || unfav.Favourited != false || unfav.FavouritesCount != 0 {
		t.Errorf("unfavourite: %v %+v", err, unfav)
	}

	boost, err := bc.Reblog(stCtx, id)
	if err != nil || boost.Reblog == nil || boost.Reblog.ID != id || boost.ID == id || boost.Account.Acct != "bob" {
		t.Fatalf("reblog: %v %+v", err, boost)
	}
	if boost.Reblog.Reblogged != true || boost.Reblog.ReblogsCount != 1 {
		t.Errorf("reblogged original: %+v", boost.Reblog)
	}
	rb, err := bc.GetRebloggedBy(stCtx, id, nil)
	if err != nil || len(rb) != 1 || rb[0].Acct != "bob" {
		t.Errorf("reblogged_by: %v %+v", err, rb)
	}
	if again, err := bc.Reblog(stCtx, id); err != nil || again.ID != boost.ID {
		t.Errorf("second reblog: %v %+v", err, again)
	}
	// Favouriting the boost favourites what it boosts.
	if _, err := bc.Favourite(stCtx, boost.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := bc.GetStatus(stCtx, id); st.Favourited != true {
		t.Error("favourite of a boost did not reach the original")
	}
	orig, err := bc.Unreblog(stCtx, id)
	if err != nil || orig.ID != id || orig.Reblogged != false || orig.ReblogsCount != 0 {
		t.Errorf("unreblog: %v %+v", err, orig)
	}
	if _, err := bc.GetStatus(stCtx, boost.ID); err == nil {
		t.Error("the boost is still there")
	}

	bm, err := bc.Bookmark(stCtx, id)
	if err != nil || bm.Bookmarked != true {
		t.Fatalf("bookmark: %v %+v", err, bm)
	}
	list, err := bc.GetBookmarks(stCtx, nil)
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("bookmarks: %v %+v", err, list)
	}
	if ub, err := bc.Unbookmark(stCtx, id); err != nil || ub.Bookmarked != false {
		t.Errorf("unbookmark: %v %+v", err, ub)
	}
	if list, _ := bc.GetBookmarks(stCtx, nil); len(list) != 0 {
		t.Errorf("bookmarks after unbookmark: %d", len(list))
	}
}

// Boost visibility: a chosen visibility, never wider than the original;
// private and direct statuses of others cannot be boosted.
func TestReblogVisibility(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	stFollow(t, in, bob, alice)
	pub := stPost(t, in, alice, map[string]any{"status": "pub"})
	priv := stPost(t, in, alice, map[string]any{"status": "priv", "visibility": "private"})
	dm := stPost(t, in, alice, map[string]any{"status": "@bob psst", "visibility": "direct"})

	b := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+pub.ID+"/reblog", bob.Token, url.Values{"visibility": {"unlisted"}})
	if b.Visibility != "unlisted" || b.Reblog == nil || b.Reblog.ID != pub.ID {
		t.Errorf("unlisted boost: %+v", b)
	}
	for _, id := range []string{priv.ID, dm.ID} {
		if resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+id+"/reblog", bob.Token, nil); resp.StatusCode != 403 {
			t.Errorf("boost of %s: %d", id, resp.StatusCode)
		}
	}
	own := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+priv.ID+"/reblog", alice.Token, map[string]any{"visibility": "public"})
	if own.Visibility != "private" {
		t.Errorf("self-boost of a private status is %s", own.Visibility)
	}
	if resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+pub.ID+"/reblog", alice.Token, map[string]any{"visibility": "everyone"}); resp.StatusCode != 422 {
		t.Errorf("unknown boost visibility: %d", resp.StatusCode)
	}
}

// Pins: own public and unlisted statuses, at most five.
func TestPinStatus(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	var ids []string
	for i := range 6 {
		ids = append(ids, stPost(t, in, alice, map[string]any{"status": "post " + string(rune('a'+i)), "visibility": "unlisted"}).ID)
	}
	for _, id := range ids[:5] {
		if s := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+id+"/pin", alice.Token, nil); s.Pinned == nil || !*s.Pinned {
			t.Errorf("pin %s: %+v", id, s.Pinned)
		}
	}
	if resp, data := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+ids[5]+"/pin", alice.Token, nil); resp.StatusCode != 422 || !strings.Contains(string(data), "maximum") {
		t.Errorf("sixth pin: %d %s", resp.StatusCode, data)
	}
	if resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+ids[0]+"/pin", alice.Token, nil); resp.StatusCode != 200 {
		t.Errorf("pinning again: %d", resp.StatusCode)
	}
	if resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+ids[0]+"/pin", bob.Token, nil); resp.StatusCode != 422 {
		t.Errorf("pinning someone else's: %d", resp.StatusCode)
	}
	priv := stPost(t, in, alice, map[string]any{"status": "p", "visibility": "private"})
	if resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+priv.ID+"/pin", alice.Token, nil); resp.StatusCode != 422 {
		t.Errorf("pinning a private status: %d", resp.StatusCode)
	}
	if s := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+ids[0]+"/unpin", alice.Token, nil); s.Pinned == nil || *s.Pinned {
		t.Errorf("unpin: %+v", s.Pinned)
	}
	if resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+ids[5]+"/pin", alice.Token, nil); resp.StatusCode != 200 {
		t.Errorf("pin after unpin: %d", resp.StatusCode)
	}
	pinned, _ := in.DB.AccountStatuses(stCtx, alice.Account.ID, db.ViewerOf(bob.Account.ID), db.AccountStatusesFilter{Pinned: true}, db.Page{Limit: 10})
	if len(pinned) != 5 {
		t.Errorf("%d pinned statuses", len(pinned))
	}
	if resp, _ := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+ids[1]+"/unpin", stTokenWith(t, in, alice, "write:statuses"), nil); resp.StatusCode != 403 {
		t.Errorf("unpin without write:accounts: %d", resp.StatusCode)
	}
}

// Muting a conversation stops its notifications; the status says muted.
func TestMuteConversation(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	s := stPost(t, in, alice, map[string]any{"status": "quiet please"})
	if m := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/mute", alice.Token, nil); m.Muted == nil || !*m.Muted {
		t.Fatalf("mute: %+v", m.Muted)
	}
	stPost(t, in, bob, map[string]any{"status": "@alice loud reply", "in_reply_to_id": s.ID})
	stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/favourite", bob.Token, nil)
	if n, _ := in.DB.Notifications(stCtx, alice.Account.ID, db.NotificationFilter{}, db.Page{Limit: 5}); len(n) != 0 {
		t.Errorf("muted thread notified %d times", len(n))
	}
	if m := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/unmute", alice.Token, nil); m.Muted == nil || *m.Muted {
		t.Errorf("unmute: %+v", m.Muted)
	}
	stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/unfavourite", bob.Token, nil)
	stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/favourite", bob.Token, nil)
	if n, _ := in.DB.Notifications(stCtx, alice.Account.ID, db.NotificationFilter{}, db.Page{Limit: 5}); len(n) != 1 {
		t.Errorf("unmuted thread: %d notifications", len(n))
	}
}

// Each action needs its own scope.
func TestStatusActionScopes(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	s := stPost(t, in, alice, map[string]any{"status": "scoped"})
	cases := []struct {
		action, allowed, other string
	}{
		{"favourite", "write:favourites", "write:bookmarks"},
		{"unfavourite", "write:favourites", "write:statuses"},
		{"bookmark", "write:bookmarks", "write:favourites"},
		{"unbookmark", "write:bookmarks", "read"},
		{"reblog", "write:statuses", "write:favourites"},
		{"unreblog", "write:statuses", "write:bookmarks"},
		{"mute", "write:mutes", "write:statuses"},
		{"unmute", "write:mutes", "read:statuses"},
	}
	for _, c := range cases {
		path := "/api/v1/statuses/" + s.ID + "/" + c.action
		if resp, _ := stCall(t, in, http.MethodPost, path, stTokenWith(t, in, bob, c.other), nil); resp.StatusCode != 403 {
			t.Errorf("%s with %s: %d", c.action, c.other, resp.StatusCode)
		}
		if resp, data := stCall(t, in, http.MethodPost, path, stTokenWith(t, in, bob, c.allowed), nil); resp.StatusCode != 200 {
			t.Errorf("%s with %s: %d %s", c.action, c.allowed, resp.StatusCode, data)
		}
		if resp, _ := stCall(t, in, http.MethodPost, path, "", nil); resp.StatusCode != 401 {
			t.Errorf("%s anonymous: %d", c.action, resp.StatusCode)
		}
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/bookmarks", stTokenWith(t, in, bob, "read:favourites"), nil); resp.StatusCode != 403 {
		t.Errorf("bookmarks without read:bookmarks: %d", resp.StatusCode)
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/favourites", stTokenWith(t, in, bob, "read:bookmarks"), nil); resp.StatusCode != 403 {
		t.Errorf("favourites without read:favourites: %d", resp.StatusCode)
	}
}

// favourited_by and reblogged_by page by the favourite and the boost, with
// Link headers there and back.
func TestInteractedByPaging(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	s := stPost(t, in, alice, map[string]any{"status": "popular"})
	var names []string
	for _, n := range []string{"u1", "u2", "u3", "u4", "u5"} {
		u := in.CreateUser(n)
		stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/favourite", u.Token, nil)
		stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/reblog", u.Token, nil)
		names = append([]string{n}, names...) // most recent first
	}
	for _, kind := range []string{"favourited_by", "reblogged_by"} {
		t.Run(kind, func(t *testing.T) {
			var got []string
			next := "/api/v1/statuses/" + s.ID + "/" + kind + "?limit=2"
			var pages []*http.Response
			for next != "" && len(pages) < 10 {
				resp, data := stCall(t, in, http.MethodGet, next, alice.Token, nil)
				var page []struct{ Acct string }
				stDecode(t, data, &page)
				for _, a := range page {
					got = append(got, a.Acct)
				}
				pages = append(pages, resp)
				next = stLink(resp)["next"]
				if len(page) == 0 && next != "" {
					t.Fatal("Link header on an empty page")
				}
			}
			if strings.Join(got, ",") != strings.Join(names, ",") {
				t.Errorf("pages gave %v, want %v", got, names)
			}
			// Back from the third page with min_id.
			resp, data := stCall(t, in, http.MethodGet, stLink(pages[2])["prev"], alice.Token, nil)
			var back []struct{ Acct string }
			stDecode(t, data, &back)
			if resp.StatusCode != 200 || len(back) != 2 || back[0].Acct != names[2] || back[1].Acct != names[3] {
				t.Errorf("prev of page 3: %+v", back)
			}
		})
	}
	// go-mastodon pagination.
	pg := &mastodon.Pagination{Limit: 3}
	first, err := stClient(in, alice.Token).GetFavouritedBy(stCtx, mastodon.ID(s.ID), pg)
	if err != nil || len(first) != 3 || pg.MaxID == "" {
		t.Fatalf("go-mastodon first page: %v %d %+v", err, len(first), pg)
	}
	second, err := stClient(in, alice.Token).GetFavouritedBy(stCtx, mastodon.ID(s.ID), pg)
	if err != nil || len(second) != 2 {
		t.Errorf("go-mastodon second page: %v %d", err, len(second))
	}
}

// Bookmarks and favourites list what the user saved, most recently saved
// first; the Link cursors are bookmark and favourite ids, not status ids;
// statuses the user may no longer see drop out.
func TestBookmarksAndFavouritesLists(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	stFollow(t, in, bob, alice)
	s1 := stPost(t, in, alice, map[string]any{"status": "one"})
	s2 := stPost(t, in, alice, map[string]any{"status": "two", "visibility": "private"})
	s3 := stPost(t, in, alice, map[string]any{"status": "three"})
	for _, kind := range []struct{ action, list string }{{"bookmark", "bookmarks"}, {"favourite", "favourites"}} {
		t.Run(kind.list, func(t *testing.T) {
			for _, s := range []stStatus{s1, s3, s2} {
				stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+s.ID+"/"+kind.action, bob.Token, nil)
			}
			resp, data := stCall(t, in, http.MethodGet, "/api/v1/"+kind.list+"?limit=2", bob.Token, nil)
			var page []stStatus
			stDecode(t, data, &page)
			if strings.Join(stIDs(page), ",") != s2.ID+","+s3.ID {
				t.Fatalf("first page %v", stIDs(page))
			}
			next := stLink(resp)["next"]
			u, _ := url.Parse(next)
			if cursor := u.Query().Get("max_id"); cursor == "" || cursor == s3.ID || !strings.HasPrefix(next, in.URL) || u.Query().Get("limit") != "2" {
				t.Errorf("next link %q", next)
			}
			resp2, data := stCall(t, in, http.MethodGet, next, bob.Token, nil)
			stDecode(t, data, &page)
			if strings.Join(stIDs(page), ",") != s1.ID {
				t.Errorf("second page %v", stIDs(page))
			}
			_, data = stCall(t, in, http.MethodGet, stLink(resp2)["prev"], bob.Token, nil)
			stDecode(t, data, &page)
			if strings.Join(stIDs(page), ",") != s2.ID+","+s3.ID {
				t.Errorf("back to the first page %v", stIDs(page))
			}
			resp3, data := stCall(t, in, http.MethodGet, stLink(resp2)["next"], bob.Token, nil)
			if string(data) != "[]" || resp3.Header.Get("Link") != "" {
				t.Errorf("past the end: %s, Link %q", data, resp3.Header.Get("Link"))
			}
		})
	}
	// go-mastodon reads both lists.
	bc := stClient(in, bob.Token)
	if favs, err := bc.GetFavourites(stCtx, &mastodon.Pagination{Limit: 5}); err != nil || len(favs) != 3 {
		t.Errorf("GetFavourites: %v %d", err, len(favs))
	}
	// Once bob no longer follows alice, her private status is gone from both.
	if err := in.Engine().Unfollow(stCtx, bob.Account, alice.Account); err != nil {
		t.Fatal(err)
	}
	for _, list := range []string{"bookmarks", "favourites"} {
		page := stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/"+list, bob.Token, nil)
		if strings.Join(stIDs(page), ",") != s3.ID+","+s1.ID {
			t.Errorf("%s after unfollow: %v", list, stIDs(page))
		}
	}
}
