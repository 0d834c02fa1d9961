package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
)

type miscTagJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url"`
	History []struct {
		Day      string `json:"day"`
		Uses     string `json:"uses"`
		Accounts string `json:"accounts"`
	} `json:"history"`
	Following *bool `json:"following"`
}

func TestTags(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol")
	w.post(bob, "first #Kontor post", db.Public)
	w.post(bob, "second #kontor post", db.Public)
	w.post(carol, "hi #kontor", db.Public)
	w.post(carol, "secret #kontor", db.Private)
	c := w.client(alice)

	var tag miscTagJSON
	w.call("GET", "/api/v1/tags/kontor", alice.Token, nil, 200, &tag)
	today := time.Now().UTC().Truncate(24 * time.Hour).Unix()
	if tag.ID == "" || tag.Name != "kontor" || tag.URL != w.in.URL+"/tags/kontor" || tag.Following == nil || *tag.Following {
		t.Errorf("tag: %+v", tag)
	}
	if len(tag.History) != 7 || tag.History[0].Day != db.FormatID(today) || tag.History[0].Uses != "3" || tag.History[0].Accounts != "2" ||
		tag.History[1].Uses != "0" {
		t.Errorf("history: %+v", tag.History)
	}
	// Anyone may look; anonymous callers get no "following".
	var anon map[string]any
	w.call("GET", "/api/v1/tags/KONTOR", "", nil, 200, &anon)
	if _, ok := anon["following"]; ok || anon["name"] != "kontor" {
		t.Errorf("anonymous: %v", anon)
	}
	// An unused tag exists as far as clients are concerned.
	info, err := c.TagInfo(ctx, "brandnew")
	if err != nil || info.Name != "brandnew" || info.Following || len(info.History) != 7 {
		t.Errorf("unused tag: %+v %v", info, err)
	}

	// Follow: creates the tag row for a tag nobody used.
	followed, err := c.TagFollow(ctx, "brandnew")
	if err != nil || !followed.Following {
		t.Fatalf("follow: %+v %v", followed, err)
	}
	if _, err := w.in.DB.TagByName(ctx, "brandnew"); err != nil {
		t.Errorf("tag row not created: %v", err)
	}
	if _, err := c.TagFollow(ctx, "Kontor"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagFollow(ctx, "kontor"); err != nil { // again: harmless
		t.Fatal(err)
	}
	if _, err := c.TagFollow(ctx, "third"); err != nil {
		t.Fatal(err)
	}
	all, err := c.TagsFollowed(ctx, nil)
	if err != nil || len(all) != 3 {
		t.Fatalf("followed: %+v %v", all, err)
	}
	pg := &mastodon.Pagination{Limit: 2}
	page, err := c.TagsFollowed(ctx, pg)
	if err != nil || len(page) != 2 || pg.MaxID == "" {
		t.Fatalf("page 1: %v %v %+v", page, err, pg)
	}
	rest, err := c.TagsFollowed(ctx, &mastodon.Pagination{MaxID: pg.MaxID})
	if err != nil || len(rest) != 1 || rest[0].Name == page[0].Name || rest[0].Name == page[1].Name {
		t.Errorf("page 2: %v %v", rest, err)
	}
	resp := w.call("GET", "/api/v1/followed_tags?max_id="+string(pg.MaxID)+"&limit=5", alice.Token, nil, 200, nil)
	if !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Errorf("Link %q", resp.Header.Get("Link"))
	}
	resp = w.call("GET", "/api/v1/followed_tags", bob.Token, nil, 200, nil)
	if resp.Header.Get("Link") != "" {
		t.Errorf("empty page Link %q", resp.Header.Get("Link"))
	}

	unfollowed, err := c.TagUnfollow(ctx, "third")
	if err != nil || unfollowed.Following {
		t.Errorf("unfollow: %+v %v", unfollowed, err)
	}
	if _, err := c.TagUnfollow(ctx, "neverseen"); err != nil {
		t.Errorf("unfollow of an unknown tag: %v", err)
	}
	if all, _ := c.TagsFollowed(ctx, nil); len(all) != 2 {
		t.Errorf("after unfollow: %v", all)
	}

	readOnly := w.token(alice, "read")
	for _, tc := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/api/v1/tags/foo-bar", alice.Token, 404},
		{"GET", "/api/v1/tags/1234", alice.Token, 404},
		{"POST", "/api/v1/tags/foo%20bar/follow", alice.Token, 404},
		{"POST", "/api/v1/tags/x/follow", "", 401},
		{"POST", "/api/v1/tags/x/follow", readOnly, 403},
		{"POST", "/api/v1/tags/kontor/unfollow", readOnly, 403},
		{"GET", "/api/v1/followed_tags", "", 401},
		{"GET", "/api/v1/followed_tags", w.token(alice, "read:lists"), 403},
		{"GET", "/api/v1/followed_tags", w.token(alice, "read:follows"), 200},
		{"POST", "/api/v1/tags/x/follow", w.token(alice, "write:follows"), 200},
		{"POST", "/api/v1/tags/x/follow", w.token(alice, "follow"), 200},
	} {
		if resp, data := w.do(tc.method, tc.path, tc.token, nil); resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, resp.StatusCode, tc.want, data)
		}
	}
	w.call("GET", "/api/v1/tags/kontor", alice.Token, nil, 200, &tag)
	if !*tag.Following {
		t.Error("a refused unfollow unfollowed")
	}
}

// Followed hashtags bring public posts of strangers to the home timeline.
func TestFollowedTagsFeedHome(t *testing.T) {
	w := newMiscWorld(t)
	alice, dave := w.in.CreateUser("alice"), w.in.CreateUser("dave")
	w.call("POST", "/api/v1/tags/Gardening/follow", alice.Token, nil, 200, nil)
	public := w.post(dave, "tomatoes! #gardening", db.Public)
	unlisted := w.post(dave, "quietly #gardening", db.Unlisted)
	private := w.post(dave, "followers only #gardening", db.Private)
	other := w.post(dave, "no tag here", db.Public)
	has := func(id int64) bool {
		for _, s := range w.in.Home(alice) {
			if s.ID == id {
				return true
			}
		}
		return false
	}
	if !has(public.ID) {
		t.Error("public tagged post not in home")
	}
	for _, s := range []*db.Status{unlisted, private, other} {
		if has(s.ID) {
			t.Errorf("%q in home", s.Text)
		}
	}
	w.call("POST", "/api/v1/tags/gardening/unfollow", alice.Token, nil, 200, nil)
	if has(public.ID) {
		t.Error("still in home after unfollow")
	}
}
