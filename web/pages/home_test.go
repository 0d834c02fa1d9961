package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// signedIn signs u in through the sign-in page and returns the browser
// and the page / shows then.
func signedIn(t *testing.T, in *kontortest.Instance, u *kontortest.User) (*kontortest.Browser, []byte) {
	t.Helper()
	b := kontortest.NewBrowser(t, in.URL)
	_, page := b.Get("/auth/sign_in")
	resp, home := b.Submit(page, "/auth/sign_in", map[string]string{"login": u.Account.Username, "password": u.Password})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Request.URL)
	}
	return b, home
}

// withBrand makes a brand "acme" with u as a member of role, approval
// required or not.
func withBrand(t *testing.T, in *kontortest.Instance, u *kontortest.User, role string, approval bool) *db.Account {
	t.Helper()
	ctx := context.Background()
	brand, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "acme", DisplayName: "Acme Corp", Brand: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.DB.SetBrandMember(ctx, brand.ID, u.User.ID, role, nil); err != nil {
		t.Fatal(err)
	}
	if err := in.DB.SetBrandApproval(ctx, brand.ID, approval, nil); err != nil {
		t.Fatal(err)
	}
	return brand
}

func TestHomeSignedOutStaysTheFrontPage(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	resp, page := in.Get("/", "Accept: text/html")
	if resp.StatusCode != 200 || strings.Contains(string(page), `name="status"`) || !strings.Contains(string(page), "Kontor") {
		t.Fatalf("signed-out /: %d\n%s", resp.StatusCode, page)
	}
}

func TestHomeComposeWithoutScript(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b, home := signedIn(t, in, jane)
	for _, want := range []string{`<textarea name="status"`, `<select name="as"`, `href="/notifications"`, `href="/conversations"`,
		`href="/search"`, `href="/settings/brands"`, `href="/@jane/analytics"`, `href="/settings/profile"`, `action="/auth/sign_out"`,
		"Signed in as <strong>@jane</strong>", `value="followers"`, `name="spoiler_text"`, `name="scheduled_at"`, `name="poll[options][]"`} {
		if !strings.Contains(string(home), want) {
			t.Errorf("home lacks %s", want)
		}
	}
	if strings.Contains(string(home), "/admin") {
		t.Errorf("a non-admin sees an admin link")
	}
	resp, page := b.Submit(home, "/compose", map[string]string{"status": "Hello <b>team</b> from the web", "visibility": "unlisted", "spoiler_text": ""})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" || !strings.Contains(string(page), "Hello &lt;b&gt;team&lt;/b&gt; from the web") {
		t.Fatalf("after posting: %d %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	list, err := in.DB.AccountStatuses(context.Background(), jane.Account.ID, db.ViewerOf(jane.Account.ID), db.AccountStatusesFilter{}, db.Page{Limit: 5})
	if err != nil || len(list) != 1 || list[0].Visibility != db.Unlisted {
		t.Fatalf("stored: %v %+v", err, list)
	}
	// A form without its CSRF token is refused.
	v := kontortest.Form(t, home, "/compose")
	v.Del("authenticity_token")
	if resp, _ := b.Post("/compose", v); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF: %d", resp.StatusCode)
	}
	// An invalid post comes back with the form as sent and the reason.
	resp, page = b.Submit(home, "/compose", map[string]string{"status": strings.Repeat("x", 600)})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(page), `class="error"`) || !strings.Contains(string(page), strings.Repeat("x", 600)) {
		t.Errorf("too long: %d\n%s", resp.StatusCode, page)
	}
}

func TestHomeComposeAsBrand(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	eddie := in.CreateUser("eddie")
	brand := withBrand(t, in, eddie, db.BrandEditor, true)
	b, home := signedIn(t, in, eddie)
	if !strings.Contains(string(home), `<option value="acme" data-brand="true">@acme — an owner approves this</option>`) {
		t.Fatalf("no brand in the selector:\n%s", home)
	}
	resp, page := b.Submit(home, "/compose", map[string]string{"status": "Our spring sale", "as": "acme"})
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Waiting for approval") || !strings.Contains(string(page), `href="/settings/brands/acme/drafts/`) {
		t.Fatalf("held post: %d\n%s", resp.StatusCode, page)
	}
	if list, _ := in.DB.AccountStatuses(context.Background(), brand.ID, db.ViewerOf(brand.ID), db.AccountStatusesFilter{}, db.Page{Limit: 5}); len(list) != 0 {
		t.Fatalf("a held post was published: %+v", list)
	}
	// Without approval the editor publishes as the brand.
	if err := in.DB.SetBrandApproval(context.Background(), brand.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	resp, _ = b.Submit(home, "/compose", map[string]string{"status": "Open today", "as": "acme"})
	list, _ := in.DB.AccountStatuses(context.Background(), brand.ID, db.ViewerOf(brand.ID), db.AccountStatusesFilter{}, db.Page{Limit: 5})
	if resp.StatusCode != 200 || len(list) != 1 {
		t.Fatalf("brand post: %d %+v", resp.StatusCode, list)
	}
	// Someone else's brand is refused.
	v := kontortest.Form(t, home, "/compose")
	v.Set("status", "not mine")
	v.Set("as", "jane")
	if resp, _ := b.Post("/compose", v); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("as a stranger: %d", resp.StatusCode)
	}
}

// The pages' streaming token reads, writes nothing, is the same for the
// pages of one session and ends with the session.
func TestStreamTokenBoundToSession(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b, home := signedIn(t, in, jane)
	token := attr(t, home, "data-stream-token")
	_, again := b.Get("/")
	if token == "" || attr(t, again, "data-stream-token") != token {
		t.Fatalf("tokens %q, %q", token, attr(t, again, "data-stream-token"))
	}
	if resp, body := in.Get("/api/v1/timelines/home", "Authorization: Bearer "+token); resp.StatusCode != 200 {
		t.Fatalf("read with it: %d %s", resp.StatusCode, body)
	}
	if resp, _ := in.Do("POST", "/api/v1/statuses", []byte("status=hi"), "Authorization: Bearer "+token, "Content-Type: application/x-www-form-urlencoded"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("post with it: %d", resp.StatusCode)
	}
	// Another session has another token.
	_, other := signedIn(t, in, jane)
	if attr(t, other, "data-stream-token") == token {
		t.Fatal("two sessions share a streaming token")
	}
	if resp, _ := b.Submit(home, "/auth/sign_out", nil); resp.StatusCode != 200 {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := in.Get("/api/v1/timelines/home", "Authorization: Bearer "+token); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after sign-out: %d", resp.StatusCode)
	}
}

// attr is the value of the first attribute name="…" in page.
func attr(t *testing.T, page []byte, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(string(page), name+`="`)
	if !ok {
		t.Fatalf("no %s in page", name)
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// A viewer of a brand may not post as it, and the selector does not offer it.
func TestHomeBrandViewerMayNotPost(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	vivian := in.CreateUser("vivian")
	brand := withBrand(t, in, vivian, db.BrandViewer, false)
	b, home := signedIn(t, in, vivian)
	if strings.Contains(string(home), `<option value="acme"`) {
		t.Fatal("a viewer is offered the brand")
	}
	v := kontortest.Form(t, home, "/compose")
	v.Set("status", "posting as the brand")
	v.Set("as", "acme")
	if resp, _ := b.Post("/compose", v); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a viewer posting as the brand: %d", resp.StatusCode)
	}
	if list, _ := in.DB.AccountStatuses(context.Background(), brand.ID, db.ViewerOf(brand.ID), db.AccountStatusesFilter{}, db.Page{Limit: 5}); len(list) != 0 {
		t.Fatalf("published: %+v", list)
	}
}
