package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Home through go-mastodon, page by page along the Link header, then back
// with min_id; max_id, since_id and min_id keep Mastodon's meaning.
func TestHomeTimelinePaging(t *testing.T) {
	in := stStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	stFollow(t, in, alice, bob)
	var want []string // newest first
	for i := range 7 {
		u := bob
		if i%3 == 0 {
			u = alice
		}
		want = append([]string{stPost(t, in, u, map[string]any{"status": "post " + string(rune('a'+i))}).ID}, want...)
	}
	stPost(t, in, carol, map[string]any{"status": "not followed"})

	c := stClient(in, alice.Token)
	pg := &mastodon.Pagination{Limit: 3}
	var got []string
	for range 5 {
		page, err := c.GetTimelineHome(stCtx, pg)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			got = append(got, string(s.ID))
			if a := s.Account; (a.Acct != "alice" && a.Acct != "bob") || a.Username != a.Acct || a.URL == "" {
				t.Errorf("author of %s: %+v", s.ID, a)
			}
		}
		if pg.MaxID == "" {
			break
		}
		pg.SinceID, pg.MinID = "", ""
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged home %v, want %v", got, want)
	}

	// Raw: the Link header there and back.
	resp, data := stCall(t, in, http.MethodGet, "/api/v1/timelines/home?limit=3", alice.Token, nil)
	var p1 []stStatus
	stDecode(t, data, &p1)
	links := stLink(resp)
	if !strings.HasPrefix(links["next"], in.URL+"/api/v1/timelines/home?") || !strings.Contains(links["next"], "limit=3") ||
		!strings.Contains(links["next"], "max_id="+p1[2].ID) || !strings.Contains(links["prev"], "min_id="+p1[0].ID) {
		t.Errorf("links %v", links)
	}
	resp2, data := stCall(t, in, http.MethodGet, links["next"], alice.Token, nil)
	var p2 []stStatus
	stDecode(t, data, &p2)
	_, data = stCall(t, in, http.MethodGet, stLink(resp2)["prev"], alice.Token, nil)
	var back []stStatus
	stDecode(t, data, &back)
	if strings.Join(stIDs(back), ",") != strings.Join(stIDs(p1), ",") {
		t.Errorf("prev of page 2 gave %v, want %v", stIDs(back), stIDs(p1))
	}

	q := func(query string) []string {
		t.Helper()
		return stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/home?"+query, alice.Token, nil))
	}
	eq := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	eq("max_id", q("max_id="+want[2]+"&limit=2"), want[3], want[4])
	eq("since_id", q("since_id="+want[4]+"&limit=2"), want[0], want[1])
	eq("min_id", q("min_id="+want[4]+"&limit=2"), want[2], want[3])
	eq("max_id and since_id (Tusky)", q("max_id="+want[1]+"&since_id="+want[5]), want[2], want[3], want[4])
	eq("limit over 40", q("limit=400")[:1], want[0])

	resp, data = stCall(t, in, http.MethodGet, "/api/v1/timelines/home?max_id="+want[6], alice.Token, nil)
	if string(data) != "[]" || resp.Header.Get("Link") != "" {
		t.Errorf("empty page: %s, Link %q", data, resp.Header.Get("Link"))
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/timelines/home?max_id=abc", alice.Token, nil); resp.StatusCode != 422 {
		t.Errorf("bad max_id: %d", resp.StatusCode)
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/timelines/home", "", nil); resp.StatusCode != 401 {
		t.Errorf("anonymous home: %d", resp.StatusCode)
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/timelines/home", stTokenWith(t, in, alice, "read:accounts"), nil); resp.StatusCode != 403 {
		t.Errorf("home without read:statuses: %d", resp.StatusCode)
	}
}

// Public: public originals only (no unlisted, no boosts); local/remote and
// only_media; anonymous callers too.
func TestPublicTimeline(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	pub := stPost(t, in, alice, map[string]any{"status": "public"})
	stPost(t, in, alice, map[string]any{"status": "unlisted", "visibility": "unlisted"})
	stPost(t, in, alice, map[string]any{"status": "private", "visibility": "private"})
	media := stPost(t, in, bob, map[string]any{"status": "media", "media_ids": []string{db.FormatID(stMedia(t, in, bob).ID)}})
	stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+pub.ID+"/reblog", bob.Token, nil)

	list, err := stClient(in, "").GetTimelinePublic(stCtx, false, nil)
	if err != nil || len(list) != 2 || string(list[0].ID) != media.ID || string(list[1].ID) != pub.ID {
		t.Fatalf("public: %v %d", err, len(list))
	}
	if list, _ := stClient(in, bob.Token).GetTimelinePublic(stCtx, true, &mastodon.Pagination{Limit: 1}); len(list) != 1 || string(list[0].ID) != media.ID {
		t.Errorf("local, limit 1: %d", len(list))
	}
	for query, want := range map[string]string{
		"only_media=true": media.ID, "local=true&only_media=1": media.ID, "remote=true": "", "local=true": media.ID + "," + pub.ID,
	} {
		if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/public?"+query, "", nil)); strings.Join(got, ",") != want {
			t.Errorf("%s: %v, want %s", query, got, want)
		}
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/timelines/public?local=maybe", "", nil); resp.StatusCode != 422 {
		t.Errorf("local=maybe: %d", resp.StatusCode)
	}
}

// Hashtags: any[], all[], none[]; public statuses only, whatever the case.
func TestTagTimeline(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	cats := stPost(t, in, alice, map[string]any{"status": "#Cats"})
	both := stPost(t, in, alice, map[string]any{"status": "#cats and #dogs"})
	dogs := stPost(t, in, alice, map[string]any{"status": "#dogs"})
	stPost(t, in, alice, map[string]any{"status": "#cats unlisted", "visibility": "unlisted"})
	cafe := stPost(t, in, alice, map[string]any{"status": "#Café au lait"})
	stPost(t, in, alice, map[string]any{"status": "#cats private", "visibility": "private"})

	list, err := stClient(in, alice.Token).GetTimelineHashtag(stCtx, "CATS", false, nil)
	if err != nil || len(list) != 2 || string(list[0].ID) != both.ID || string(list[1].ID) != cats.ID {
		t.Fatalf("#cats: %v %+v", err, list)
	}
	for query, want := range map[string][]string{
		"cats?any[]=dogs":                     {dogs.ID, both.ID, cats.ID},
		"cats?all[]=dogs":                     {both.ID},
		"cats?none[]=dogs":                    {cats.ID},
		"cats?any[]=dogs&none[]=cats":         {dogs.ID},
		"unknown":                             {},
		"cats?all[]=unknown":                  {},
		"caf%C3%A9":                           {cafe.ID},
		"CAF%C3%89":                           {cafe.ID},
		"cats?limit=1":                        {both.ID},
		"cats?only_media=true":                {},
		"cats?local=true&max_id=" + both.ID:   {cats.ID},
		"cats?since_id=" + cats.ID:            {both.ID},
		"cats?min_id=" + cats.ID:              {both.ID},
		"dogs?min_id=" + cats.ID + "&limit=1": {both.ID},
		"dogs?max_id=" + dogs.ID:              {both.ID},
	} {
		if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/tag/"+query, "", nil)); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", query, got, want)
		}
	}
}

// stList creates a list owned by u with members, straight in the database
// (the lists API is another group's).
func stList(t *testing.T, in *kontortest.Instance, owner *kontortest.User, policy string, members ...*kontortest.User) string {
	t.Helper()
	id := in.DB.NewID()
	stExec(t, in, "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES (?, ?, 'list', ?, FALSE, ?)",
		id, owner.Account.ID, policy, time.Now().UTC())
	for _, m := range members {
		stExec(t, in, "INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)", id, m.Account.ID)
	}
	return db.FormatID(id)
}

// Lists: the members' statuses, replies as the policy says; only the owner reads it.
func TestListTimeline(t *testing.T) {
	in := stStart(t)
	alice, bob, carol, dave := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave")
	for _, u := range []*kontortest.User{bob, carol, dave} {
		stFollow(t, in, alice, u)
	}
	stFollow(t, in, alice, dave)
	root := stPost(t, in, dave, map[string]any{"status": "dave's root"})
	carolsRoot := stPost(t, in, carol, map[string]any{"status": "carol's root"})
	alicesRoot := stPost(t, in, alice, map[string]any{"status": "alice's root"})
	plain := stPost(t, in, bob, map[string]any{"status": "plain"})
	toDave := stPost(t, in, bob, map[string]any{"status": "to dave", "in_reply_to_id": root.ID})
	toCarol := stPost(t, in, bob, map[string]any{"status": "to carol", "in_reply_to_id": carolsRoot.ID})
	toAlice := stPost(t, in, bob, map[string]any{"status": "to alice", "in_reply_to_id": alicesRoot.ID})
	self := stPost(t, in, bob, map[string]any{"status": "thread", "in_reply_to_id": plain.ID})
	boost := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+carolsRoot.ID+"/reblog", bob.Token, nil)
	stPost(t, in, dave, map[string]any{"status": "dave is not a member"})

	cases := []struct {
		policy string
		want   []string
	}{
		{"list", []string{boost.ID, self.ID, toAlice.ID, toCarol.ID, plain.ID, carolsRoot.ID}},
		{"followed", []string{boost.ID, self.ID, toAlice.ID, toCarol.ID, toDave.ID, plain.ID, carolsRoot.ID}},
		{"none", []string{boost.ID, self.ID, toAlice.ID, plain.ID, carolsRoot.ID}},
	}
	for _, c := range cases {
		id := stList(t, in, alice, c.policy, bob, carol)
		if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/list/"+id, alice.Token, nil)); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.policy, got, c.want)
		}
		if c.policy == "list" {
			page, err := stClient(in, alice.Token).GetTimelineList(stCtx, mastodon.ID(id), &mastodon.Pagination{Limit: 4})
			if err != nil || len(page) != 4 {
				t.Errorf("go-mastodon list: %v %d", err, len(page))
			}
			if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/timelines/list/"+id, bob.Token, nil); resp.StatusCode != 404 {
				t.Errorf("bob reads alice's list: %d", resp.StatusCode)
			}
			if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/timelines/list/"+id, stTokenWith(t, in, alice, "read:statuses"), nil); resp.StatusCode != 403 {
				t.Errorf("list without read:lists: %d", resp.StatusCode)
			}
		}
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/timelines/list/12345", alice.Token, nil); resp.StatusCode != 404 {
		t.Errorf("unknown list: %d", resp.StatusCode)
	}
}

// Direct: direct statuses the viewer wrote or is mentioned in.
func TestDirectTimeline(t *testing.T) {
	in := stStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	dm := stPost(t, in, alice, map[string]any{"status": "@bob secret", "visibility": "direct"})
	stPost(t, in, alice, map[string]any{"status": "@bob not direct", "visibility": "private"})
	answer := stPost(t, in, bob, map[string]any{"status": "@alice ok", "visibility": "direct", "in_reply_to_id": dm.ID})
	for _, c := range []struct {
		u    *kontortest.User
		want []string
	}{{alice, []string{answer.ID, dm.ID}}, {bob, []string{answer.ID, dm.ID}}, {carol, nil}} {
		if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/direct", c.u.Token, nil)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.u.Account.Username, got, c.want)
		}
	}
}

// The viewer's filters apply in their context: a "hide" filter for home
// hides from home and lists, not from the public timeline.
func TestTimelineFilters(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	stFollow(t, in, alice, bob)
	spoiler := stPost(t, in, bob, map[string]any{"status": "the ending of the film"})
	other := stPost(t, in, bob, map[string]any{"status": "something else"})
	fid := in.DB.NewID()
	stExec(t, in, `INSERT INTO filters (id, account_id, title, contexts, action, created_at) VALUES (?, ?, 'spoilers', '["home"]', 'hide', ?)`, fid, alice.Account.ID, time.Now().UTC())
	stExec(t, in, "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?, ?, 'ending', TRUE)", in.DB.NewID(), fid)
	home := stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/home", alice.Token, nil))
	if strings.Join(home, ",") != other.ID {
		t.Errorf("home: %v", home)
	}
	list := stList(t, in, alice, "list", bob)
	if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/list/"+list, alice.Token, nil)); strings.Join(got, ",") != other.ID {
		t.Errorf("list: %v", got)
	}
	public := stIDs(stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/timelines/public", alice.Token, nil))
	if strings.Join(public, ",") != other.ID+","+spoiler.ID {
		t.Errorf("public: %v", public)
	}
	// The hidden status still pages: the Link header comes from the query.
	resp, data := stCall(t, in, http.MethodGet, "/api/v1/timelines/home?limit=1&max_id="+other.ID, alice.Token, nil)
	if string(data) != "[]" || !strings.Contains(stLink(resp)["next"], "max_id="+spoiler.ID) {
		t.Errorf("page of a hidden status: %s %v", data, stLink(resp))
	}
	u, _ := url.Parse(stLink(resp)["next"])
	if u.Query().Get("limit") != "1" {
		t.Errorf("next link lost limit: %s", u)
	}
}

// Every timeline pages the same way: forward along rel="next" to the end,
// then back along rel="prev" to the start, with no gap and no repeat.
func TestTimelinesPageThereAndBack(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	stFollow(t, in, alice, bob)
	list := stList(t, in, alice, "list", bob)
	var public, direct []string // newest first
	for i := range 7 {
		public = append([]string{stPost(t, in, bob, map[string]any{"status": "#paging " + string(rune('a'+i))}).ID}, public...)
		direct = append([]string{stPost(t, in, bob, map[string]any{"status": "@alice dm " + string(rune('a'+i)), "visibility": "direct"}).ID}, direct...)
	}
	both := make([]string, 0, 14)
	for i := range public { // interleaved by time, newest first
		both = append(both, direct[i], public[i])
	}
	cases := []struct {
		path string
		want []string
	}{
		{"/api/v1/timelines/home", both},
		{"/api/v1/timelines/public", public},
		{"/api/v1/timelines/tag/paging", public},
		{"/api/v1/timelines/list/" + list, both},
		{"/api/v1/timelines/direct", direct},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			var got []string
			var last *http.Response
			next := c.path + "?limit=3"
			for pages := 0; next != "" && pages < 20; pages++ {
				resp, data := stCall(t, in, http.MethodGet, next, alice.Token, nil)
				var page []stStatus
				stDecode(t, data, &page)
				if len(page) == 0 {
					if resp.Header.Get("Link") != "" {
						t.Fatalf("Link on an empty page: %s", resp.Header.Get("Link"))
					}
					break
				}
				got = append(got, stIDs(page)...)
				last, next = resp, stLink(resp)["next"]
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("forward: %v, want %v", got, c.want)
			}
			var back []string
			prev := stLink(last)["prev"]
			for pages := 0; prev != ""; pages++ {
				if pages > 20 {
					t.Fatal("prev links loop")
				}
				resp, data := stCall(t, in, http.MethodGet, prev, alice.Token, nil)
				var page []stStatus
				stDecode(t, data, &page)
				back = append(stIDs(page), back...)
				prev = stLink(resp)["prev"]
			}
			// Going back starts after the last page's newest item.
			lastPage := len(c.want) % 3
			if lastPage == 0 {
				lastPage = 3
			}
			if strings.Join(back, ",") != strings.Join(c.want[:len(c.want)-lastPage], ",") {
				t.Errorf("back: %v, want %v", back, c.want[:len(c.want)-lastPage])
			}
		})
	}
}
