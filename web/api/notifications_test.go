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

// bob follows alice, mentions her, likes her post; carol boosts it.
func TestNotifications(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol")
	post := w.post(alice, "hello from alice", db.Public)
	w.follow(bob, alice)
	mention := w.post(bob, "@alice hi there", db.Public)
	if _, err := w.in.Engine().Favourite(ctx, bob.Account, post.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.in.Engine().Reblog(ctx, carol.Account, post.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	c := w.client(alice)

	all, err := c.GetNotifications(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, n := range all {
		types = append(types, n.Type)
	}
	if want := []string{"reblog", "favourite", "mention", "follow"}; !slices.Equal(types, want) {
		t.Fatalf("types %v, want %v (newest first)", types, want)
	}
	if all[0].Account.Acct != "carol" || all[0].Status == nil || string(all[0].Status.ID) != db.FormatID(post.ID) {
		t.Errorf("reblog notification: %+v", all[0])
	}
	if all[2].Status == nil || string(all[2].Status.ID) != db.FormatID(mention.ID) {
		t.Errorf("mention notification without its status: %+v", all[2])
	}
	if all[3].Status != nil || all[3].Account.Acct != "bob" {
		t.Errorf("follow notification: %+v", all[3])
	}

	t.Run("exact JSON", func(t *testing.T) {
		var raw []map[string]any
		w.call("GET", "/api/v1/notifications", alice.Token, nil, 200, &raw)
		for _, n := range raw {
			for _, k := range []string{"id", "type", "group_key", "created_at", "account"} {
				if _, ok := n[k]; !ok {
					t.Errorf("notification lacks %s: %v", k, n)
				}
			}
			id, _ := n["id"].(string)
			key, _ := n["group_key"].(string)
			grouped := n["type"] == "favourite" || n["type"] == "reblog" || n["type"] == "follow"
			if id == "" || grouped == (key == "ungrouped-"+id) || !strings.HasPrefix(key, "ungrouped-") && !strings.HasPrefix(key, n["type"].(string)+"-") {
				t.Errorf("%v: id %v group_key %v", n["type"], n["id"], n["group_key"])
			}
			if ts, _ := n["created_at"].(string); len(ts) != len("2006-01-02T15:04:05.000Z") || !strings.HasSuffix(ts, "Z") {
				t.Errorf("created_at %q", ts)
			}
			_, hasStatus := n["status"]
			if (n["type"] == "follow") == hasStatus {
				t.Errorf("%v: status present=%v", n["type"], hasStatus)
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		cases := []struct {
			query string
			want  []string
		}{
			{"types[]=mention", []string{"mention"}},
			{"types[]=mention&types[]=follow", []string{"mention", "follow"}},
			{"exclude_types[]=follow&exclude_types[]=reblog", []string{"favourite", "mention"}},
			{"account_id=" + db.FormatID(carol.Account.ID), []string{"reblog"}},
			{"types[]=bogus", []string{}},
			{"types[]=bogus&types[]=follow", []string{"follow"}},
			{"types=favourite", []string{"favourite"}},
		}
		for _, tc := range cases {
			var got []struct {
				Type string `json:"type"`
			}
			w.call("GET", "/api/v1/notifications?"+tc.query, alice.Token, nil, 200, &got)
			var gotTypes []string
			for _, n := range got {
				gotTypes = append(gotTypes, n.Type)
			}
			if !slices.Equal(gotTypes, tc.want) && !(len(gotTypes) == 0 && len(tc.want) == 0) {
				t.Errorf("%s: %v, want %v", tc.query, gotTypes, tc.want)
			}
		}
		// go-mastodon's own filter parameters.
		list, err := c.GetNotificationsExclude(ctx, &[]string{"mention", "favourite"}, nil)
		if err != nil || len(list) != 2 {
			t.Errorf("exclude: %d %v", len(list), err)
		}
	})

	t.Run("paging", func(t *testing.T) {
		resp := w.call("GET", "/api/v1/notifications?limit=2&types[]=reblog&types[]=favourite&types[]=mention&types[]=follow", alice.Token, nil, 200, nil)
		link := resp.Header.Get("Link")
		if !strings.Contains(link, `rel="next"`) || !strings.Contains(link, `rel="prev"`) || !strings.Contains(link, w.in.URL+"/api/v1/notifications?") {
			t.Fatalf("Link %q", link)
		}
		if !strings.Contains(link, "types%5B%5D=favourite") || !strings.Contains(link, "limit=2") {
			t.Errorf("Link does not keep the other parameters: %q", link)
		}
		pg := &mastodon.Pagination{Limit: 2}
		first, err := c.GetNotifications(ctx, pg)
		if err != nil || len(first) != 2 {
			t.Fatalf("page 1: %d %v", len(first), err)
		}
		second, err := c.GetNotifications(ctx, &mastodon.Pagination{MaxID: pg.MaxID, Limit: 2})
		if err != nil || len(second) != 2 || second[0].Type != "mention" || second[1].Type != "follow" {
			t.Fatalf("page 2: %v %v", second, err)
		}
		// min_id: the oldest newer items, newest first.
		var page []struct{ ID, Type string }
		w.call("GET", "/api/v1/notifications?limit=2&min_id="+string(all[3].ID), alice.Token, nil, 200, &page)
		if len(page) != 2 || page[0].Type != "favourite" || page[1].Type != "mention" {
			t.Errorf("min_id page: %+v", page)
		}
		// since_id: newest first, newer than the cursor.
		w.call("GET", "/api/v1/notifications?limit=2&since_id="+string(all[3].ID), alice.Token, nil, 200, &page)
		if len(page) != 2 || page[0].Type != "reblog" || page[1].Type != "favourite" {
			t.Errorf("since_id page: %+v", page)
		}
		// An empty page has no Link header.
		resp = w.call("GET", "/api/v1/notifications?max_id="+string(all[3].ID), alice.Token, nil, 200, nil)
		if resp.Header.Get("Link") != "" {
			t.Errorf("empty page has Link %q", resp.Header.Get("Link"))
		}
		w.call("GET", "/api/v1/notifications?limit=500", alice.Token, nil, 200, nil)
		if r, _ := w.do("GET", "/api/v1/notifications?max_id=abc", alice.Token, nil); r.StatusCode != 422 {
			t.Errorf("bad max_id: %d", r.StatusCode)
		}
	})

	t.Run("one, dismiss, clear", func(t *testing.T) {
		n, err := c.GetNotification(ctx, all[1].ID)
		if err != nil || n.Type != "favourite" {
			t.Fatalf("get: %+v %v", n, err)
		}
		// Not bob's, and unknown IDs: 404.
		for _, path := range []string{"/api/v1/notifications/" + string(all[1].ID), "/api/v1/notifications/123", "/api/v1/notifications/x"} {
			resp, data := w.do("GET", path, bob.Token, nil)
			if resp.StatusCode != 404 || miscErrorOf(t, data) != "Record not found" {
				t.Errorf("%s as bob: %d %s", path, resp.StatusCode, data)
			}
		}
		if _, data := w.do("POST", "/api/v1/notifications/"+string(all[1].ID)+"/dismiss", bob.Token, nil); !strings.Contains(string(data), "not found") {
			t.Errorf("bob dismissed alice's notification: %s", data)
		}
		var empty map[string]any
		w.call("POST", "/api/v1/notifications/"+string(all[1].ID)+"/dismiss", alice.Token, nil, 200, &empty)
		if len(empty) != 0 {
			t.Errorf("dismiss answered %v", empty)
		}
		if _, err := c.GetNotification(ctx, all[1].ID); err == nil {
			t.Error("dismissed notification still there")
		}
		// Legacy form: id in the body.
		w.call("POST", "/api/v1/notifications/dismiss", alice.Token, url.Values{"id": {string(all[0].ID)}}, 200, nil)
		left, _ := c.GetNotifications(ctx, nil)
		if len(left) != 2 {
			t.Errorf("%d left after two dismissals", len(left))
		}
		bobs, _ := w.client(bob).GetNotifications(ctx, nil)
		if err := c.ClearNotifications(ctx); err != nil {
			t.Fatal(err)
		}
		if left, _ := c.GetNotifications(ctx, nil); len(left) != 0 {
			t.Errorf("%d left after clear", len(left))
		}
		if after, _ := w.client(bob).GetNotifications(ctx, nil); len(after) != len(bobs) {
			t.Error("clear touched another user's notifications")
		}
	})
}

func TestNotificationsAuthAndUnread(t *testing.T) {
	w := newMiscWorld(t)
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")
	for range 3 {
		w.post(bob, "@alice ping", db.Public)
	}
	other := w.token(alice, "read:accounts")
	readOnly := w.token(alice, "read:notifications")
	cases := []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/api/v1/notifications", "", 401},
		{"GET", "/api/v1/notifications", other, 403},
		{"GET", "/api/v1/notifications", readOnly, 200},
		{"GET", "/api/v1/notifications/unread_count", other, 403},
		{"POST", "/api/v1/notifications/clear", readOnly, 403},
		{"POST", "/api/v1/notifications/clear", "", 401},
		{"POST", "/api/v1/notifications/1/dismiss", readOnly, 403},
		{"GET", "/api/v2/notifications/policy", other, 403},
		{"GET", "/api/v1/notifications/policy", readOnly, 200},
	}
	for _, tc := range cases {
		resp, data := w.do(tc.method, tc.path, tc.token, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, resp.StatusCode, tc.want, data)
		}
	}
	var n []struct{ ID string }
	w.call("GET", "/api/v1/notifications", alice.Token, nil, 200, &n)
	if len(n) != 3 {
		t.Fatalf("%d notifications after the refused clear", len(n))
	}

	var count struct{ Count int }
	w.call("GET", "/api/v1/notifications/unread_count", alice.Token, nil, 200, &count)
	if count.Count != 3 {
		t.Errorf("unread %d, want 3", count.Count)
	}
	w.call("POST", "/api/v1/markers", alice.Token, map[string]any{"notifications": map[string]any{"last_read_id": n[1].ID}}, 200, nil)
	w.call("GET", "/api/v1/notifications/unread_count", alice.Token, nil, 200, &count)
	if count.Count != 1 {
		t.Errorf("unread after marker %d, want 1", count.Count)
	}
	w.call("GET", "/api/v1/notifications/unread_count?types[]=follow", alice.Token, nil, 200, &count)
	if count.Count != 0 {
		t.Errorf("unread follows %d", count.Count)
	}

	var policy map[string]any
	w.call("GET", "/api/v2/notifications/policy", alice.Token, nil, 200, &policy)
	for _, k := range []string{"for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts", "summary"} {
		if _, ok := policy[k]; !ok {
			t.Errorf("policy lacks %s: %v", k, policy)
		}
	}
}

// Notifications only ever show statuses their recipient may see.
func TestNotificationsVisibility(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol, dave := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol"), w.in.CreateUser("dave")
	// alice follows bob and asked to hear of his posts; bob posts to followers.
	if _, err := w.in.Engine().Follow(ctx, alice.Account, bob.Account, activitypub.FollowOptions{Notify: true}); err != nil {
		t.Fatal(err)
	}
	w.post(bob, "for my followers", db.Private)
	// carol mentions alice, then alice blocks carol.
	w.post(carol, "@alice psst", db.Direct)
	// dave mentions alice in a direct message, then blocks her.
	w.post(dave, "@alice a secret", db.Direct)
	c := w.client(alice)
	before, err := c.GetNotifications(ctx, nil)
	if err != nil || len(before) != 3 {
		t.Fatalf("before: %d %v", len(before), err)
	}
	if err := w.in.Engine().Unfollow(ctx, alice.Account, bob.Account); err != nil {
		t.Fatal(err)
	}
	if err := w.in.Engine().Block(ctx, alice.Account, carol.Account); err != nil {
		t.Fatal(err)
	}
	if err := w.in.Engine().Block(ctx, dave.Account, alice.Account); err != nil {
		t.Fatal(err)
	}
	after, err := c.GetNotifications(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 0 {
		t.Errorf("notifications about statuses alice may no longer see: %+v", after)
	}
	for _, n := range before {
		if _, err := c.GetNotification(ctx, n.ID); err == nil {
			t.Errorf("GET of hidden notification %s (%s) works", n.ID, n.Type)
		}
	}
	var count struct{ Count int }
	w.call("GET", "/api/v1/notifications/unread_count", alice.Token, nil, 200, &count)
	if count.Count != 0 {
		t.Errorf("unread counts hidden notifications: %d", count.Count)
	}
}

// A "warn" filter in the notifications context marks the status; a "hide"
// filter drops the notification.
func TestNotificationsFiltered(t *testing.T) {
	w := newMiscWorld(t)
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")
	w.post(bob, "@alice about spoilers", db.Public)
	w.post(bob, "@alice about politics", db.Public)
	w.post(bob, "@alice about cats", db.Public)
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "spoilers", "context": []string{"notifications"},
		"filter_action": "warn", "keywords_attributes": []map[string]any{{"keyword": "spoilers"}}}, 200, nil)
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "no politics", "context": []string{"notifications"},
		"filter_action": "hide", "keywords_attributes": []map[string]any{{"keyword": "politics"}}}, 200, nil)
	var list []struct {
		Status struct {
			Content  string `json:"content"`
			Filtered []struct {
				Filter         struct{ Title string } `json:"filter"`
				KeywordMatches []string               `json:"keyword_matches"`
			} `json:"filtered"`
		} `json:"status"`
	}
	resp := w.call("GET", "/api/v1/notifications?limit=3", alice.Token, nil, 200, &list)
	if len(list) != 2 {
		t.Fatalf("%d notifications, want 2 (politics hidden)", len(list))
	}
	if !strings.Contains(list[0].Status.Content, "cats") || len(list[0].Status.Filtered) != 0 {
		t.Errorf("cats: %+v", list[0])
	}
	if f := list[1].Status.Filtered; len(f) != 1 || f[0].Filter.Title != "spoilers" || !slices.Equal(f[0].KeywordMatches, []string{"spoilers"}) {
		t.Errorf("spoilers not marked: %+v", list[1])
	}
	// The page's cursors still cover the hidden one.
	if !strings.Contains(resp.Header.Get("Link"), "max_id=") {
		t.Errorf("Link %q", resp.Header.Get("Link"))
	}
}
