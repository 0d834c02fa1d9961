package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

type groupedJSON struct {
	Accounts []struct {
		ID   string `json:"id"`
		Acct string `json:"acct"`
	} `json:"accounts"`
	Statuses []struct {
		ID string `json:"id"`
	} `json:"statuses"`
	NotificationGroups []struct {
		GroupKey                 string   `json:"group_key"`
		NotificationsCount       int      `json:"notifications_count"`
		Type                     string   `json:"type"`
		MostRecentNotificationID string   `json:"most_recent_notification_id"`
		PageMinID                string   `json:"page_min_id"`
		PageMaxID                string   `json:"page_max_id"`
		LatestPageNotificationAt string   `json:"latest_page_notification_at"`
		SampleAccountIDs         []string `json:"sample_account_ids"`
		StatusID                 *string  `json:"status_id"`
	} `json:"notification_groups"`
}

func (g groupedJSON) types() []string {
	var out []string
	for _, n := range g.NotificationGroups {
		out = append(out, n.Type)
	}
	return out
}

// Three favourites and a boost of alice's post, two follows and a mention:
// grouped as Mastodon 4.3 groups them.
func TestGroupedNotifications(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice := w.in.CreateUser("alice")
	users := map[string]*kontortest.User{}
	for _, name := range []string{"bob", "carol", "dave", "erin", "frank"} {
		users[name] = w.in.CreateUser(name)
	}
	post := w.post(alice, "hello from alice", db.Public)
	w.follow(users["bob"], alice)
	w.follow(users["carol"], alice)
	for _, name := range []string{"bob", "carol", "dave"} {
		if _, err := w.in.Engine().Favourite(ctx, users[name].Account, post.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.in.Engine().Reblog(ctx, users["erin"].Account, post.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	w.post(users["frank"], "@alice a question", db.Public)

	var all groupedJSON
	w.call("GET", "/api/v2/notifications", alice.Token, nil, 200, &all)
	if want := []string{"mention", "reblog", "favourite", "follow"}; !slices.Equal(all.types(), want) {
		t.Fatalf("groups %v, want %v", all.types(), want)
	}
	fav := all.NotificationGroups[2]
	if fav.NotificationsCount != 3 || len(fav.SampleAccountIDs) != 3 || fav.SampleAccountIDs[0] != db.FormatID(users["dave"].Account.ID) {
		t.Errorf("favourite group %+v", fav)
	}
	if fav.StatusID == nil || *fav.StatusID != db.FormatID(post.ID) || fav.PageMinID == "" || fav.PageMaxID == "" || fav.LatestPageNotificationAt == "" {
		t.Errorf("favourite group fields %+v", fav)
	}
	if follows := all.NotificationGroups[3]; follows.NotificationsCount != 2 || follows.StatusID != nil {
		t.Errorf("follow group %+v", follows)
	}
	if len(all.Statuses) != 2 || len(all.Accounts) != 5 {
		t.Errorf("envelope: %d statuses (want the post and the mention), %d accounts (want 5, each once)", len(all.Statuses), len(all.Accounts))
	}

	// v1 carries the same group keys.
	var v1 []map[string]any
	w.call("GET", "/api/v1/notifications?types[]=favourite", alice.Token, nil, 200, &v1)
	if len(v1) != 3 || v1[0]["group_key"] != fav.GroupKey {
		t.Errorf("v1 favourites %v, want group_key %s", v1, fav.GroupKey)
	}

	t.Run("grouped_types and types", func(t *testing.T) {
		var g groupedJSON
		w.call("GET", "/api/v2/notifications?grouped_types[]=favourite", alice.Token, nil, 200, &g)
		if want := []string{"mention", "reblog", "favourite", "follow", "follow"}; !slices.Equal(g.types(), want) {
			t.Errorf("follows not grouped: %v, want %v", g.types(), want)
		}
		w.call("GET", "/api/v2/notifications?types[]=favourite", alice.Token, nil, 200, &g)
		if want := []string{"favourite"}; !slices.Equal(g.types(), want) {
			t.Errorf("types[]=favourite: %v", g.types())
		}
		w.call("GET", "/api/v2/notifications?limit=2", alice.Token, nil, 200, &g)
		if want := []string{"mention", "reblog"}; !slices.Equal(g.types(), want) {
			t.Errorf("limit=2: %v", g.types())
		}
	})

	t.Run("one group, its accounts, unread count, dismiss", func(t *testing.T) {
		key := url.PathEscape(fav.GroupKey)
		var one groupedJSON
		w.call("GET", "/api/v2/notifications/"+key, alice.Token, nil, 200, &one)
		if len(one.NotificationGroups) != 1 || one.NotificationGroups[0].NotificationsCount != 3 {
			t.Errorf("group: %+v", one)
		}
		var accounts []map[string]any
		w.call("GET", "/api/v2/notifications/"+key+"/accounts", alice.Token, nil, 200, &accounts)
		if len(accounts) != 3 || accounts[0]["acct"] != "dave" {
			t.Errorf("group accounts %v", accounts)
		}
		var unread map[string]int
		w.call("GET", "/api/v2/notifications/unread_count", alice.Token, nil, 200, &unread)
		if unread["count"] != 4 {
			t.Errorf("unread groups %v, want 4", unread)
		}
		w.call("POST", "/api/v2/notifications/"+key+"/dismiss", alice.Token, nil, 200, nil)
		w.call("GET", "/api/v2/notifications/"+key, alice.Token, nil, http.StatusNotFound, nil)
		w.call("GET", "/api/v2/notifications/unread_count", alice.Token, nil, 200, &unread)
		if unread["count"] != 3 {
			t.Errorf("unread groups after dismissing one %v, want 3", unread)
		}
		w.call("GET", "/api/v2/notifications/favourite-x-1", alice.Token, nil, http.StatusNotFound, nil)
		w.call("POST", "/api/v2/notifications/nonsense/dismiss", alice.Token, nil, http.StatusNotFound, nil)
		// Nobody reads another's groups.
		w.call("GET", "/api/v2/notifications/"+url.PathEscape(all.NotificationGroups[3].GroupKey), users["bob"].Token, nil, http.StatusNotFound, nil)
	})
}
