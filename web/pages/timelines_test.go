package pages_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func TestTimelinePages(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	jane, bob := in.CreateUser("jane"), in.CreateUser("bob")
	public := post(t, in, bob, "A public note about tulips", db.Public)
	post(t, in, bob, "An unlisted note about roses", db.Unlisted)
	post(t, in, bob, "A followers-only note about daisies", db.Private)
	if err := in.DB.Bookmark(ctx, jane.Account.ID, public.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Engine().Favourite(ctx, jane.Account, public.ID); err != nil {
		t.Fatal(err)
	}
	l := &db.List{ID: in.DB.NewID(), AccountID: jane.Account.ID, Title: "Gardeners <3", RepliesPolicy: "list"}
	if err := in.DB.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	b, _ := signedIn(t, in, jane)
	for _, c := range []struct {
		path       string
		want, lack []string
	}{
		{"/local", []string{"tulips", `data-stream="public/local"`}, []string{"roses", "daisies"}},
		{"/federated", []string{"tulips"}, []string{"roses", "daisies"}},
		{"/bookmarks", []string{"tulips", `aria-label="Bookmark">⚑</button>`}, []string{"roses"}},
		{"/favourites", []string{"tulips", `aria-pressed="true" aria-label="Favourite">★ 1</button>`}, []string{"roses"}},
		{"/lists", []string{`<a href="/lists/` + db.FormatID(l.ID) + `">Gardeners &lt;3</a>`}, nil},
		{"/lists/" + db.FormatID(l.ID), []string{"<h1>Gardeners &lt;3</h1>", "Nothing here yet"}, []string{"tulips"}},
	} {
		resp, page := b.Get(c.path)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", c.path, resp.StatusCode)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(page), w) {
				t.Errorf("%s lacks %q", c.path, w)
			}
		}
		for _, w := range c.lack {
			if strings.Contains(string(page), w) {
				t.Errorf("%s shows %q", c.path, w)
			}
		}
	}
	if resp, _ := b.Get("/lists/123"); resp.StatusCode != 404 {
		t.Errorf("someone else's list: %d", resp.StatusCode)
	}
	// A thread page: the focused post, a reply form, the buttons work without the script.
	resp, page := b.Get("/statuses/" + db.FormatID(public.ID))
	if resp.StatusCode != 200 || !strings.Contains(string(page), `class="post focus"`) || !strings.Contains(string(page), `name="in_reply_to_id"`) || !strings.Contains(string(page), "@bob ") {
		t.Fatalf("thread: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = b.Submit(page, "/statuses/"+db.FormatID(public.ID)+"/reblog", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("boost: %d", resp.StatusCode)
	}
	if got, _ := in.DB.StatusByID(ctx, public.ID, db.ViewerOf(jane.Account.ID)); got.ReblogsCount != 1 {
		t.Errorf("boosts: %d", got.ReblogsCount)
	}
	// Visibility: a followers-only post of someone jane does not follow is not hers to open.
	daisies, _ := in.DB.AccountStatuses(ctx, bob.Account.ID, db.ViewerOf(bob.Account.ID), db.AccountStatusesFilter{}, db.Page{Limit: 1})
	if resp, _ := b.Get("/statuses/" + db.FormatID(daisies[0].ID)); resp.StatusCode != 404 {
		t.Errorf("followers-only post of a stranger: %d", resp.StatusCode)
	}
}

// Visitors to a workspace page sign in and come back to it.
func TestWorkspaceSignInComesBack(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	for _, path := range []string{"/notifications", "/conversations", "/local", "/bookmarks", "/lists"} {
		b := kontortest.NewBrowser(t, in.URL)
		resp, page := b.Get(path)
		if resp.Request.URL.Path != "/auth/sign_in" {
			t.Fatalf("%s for a visitor: %d %s", path, resp.StatusCode, resp.Request.URL)
		}
		resp, _ = b.Submit(page, "/auth/sign_in", map[string]string{"login": "jane", "password": jane.Password})
		if resp.StatusCode != 200 || resp.Request.URL.Path != path {
			t.Errorf("after signing in from %s: %d %s", path, resp.StatusCode, resp.Request.URL)
		}
	}
}

// The brand and analytics pages carry the navigation too.
func TestNavigationOnOtherSignedInPages(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b, _ := signedIn(t, in, jane)
	for _, path := range []string{"/settings/brands", "/@jane/analytics"} {
		resp, page := b.Get(path)
		if resp.StatusCode != 200 || !strings.Contains(string(page), `<nav class="site-nav" aria-label="Main"><a href="/">Home</a> <a href="/notifications">`) ||
			!strings.Contains(string(page), "Signed in as <strong>@jane</strong>") {
			t.Errorf("%s: %d, no navigation", path, resp.StatusCode)
		}
	}
	if _, page := b.Get("/settings/brands"); !strings.Contains(string(page), `action="/auth/sign_out"`) {
		t.Error("no sign-out on the brands page")
	}
	if _, page := in.Get("/@jane", "Accept: text/html"); strings.Contains(string(page), `<nav class="site-nav"`) {
		t.Error("a visitor's page has the signed-in navigation")
	}
}
