package pages_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func TestAccountPageFollowMuteBlock(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	jane, bob := in.CreateUser("jane"), in.CreateUser("bob")
	post(t, in, bob, "Bob's public post", db.Public)
	b, _ := signedIn(t, in, jane)
	path := "/accounts/" + db.FormatID(bob.Account.ID)
	_, page := b.Get(path)
	if !strings.Contains(string(page), "Bob&#39;s public post") || !strings.Contains(string(page), `action="`+path+`/follow"`) {
		t.Fatalf("profile:\n%s", page)
	}
	for _, c := range []struct{ action, next string }{{"follow", "unfollow"}, {"mute", "unmute"}, {"unmute", "mute"}, {"unfollow", "follow"}, {"block", "unblock"}} {
		resp, after := b.Submit(page, path+"/"+c.action, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(after), `action="`+path+`/`+c.next+`"`) {
			t.Fatalf("%s: %d, no %s button", c.action, resp.StatusCode, c.next)
		}
		page = after
	}
	rel, err := in.DB.RelationshipsOf(ctx, jane.Account.ID, []int64{bob.Account.ID})
	if err != nil || !rel.Blocking[bob.Account.ID] || rel.Following[bob.Account.ID] != nil || rel.Mutes[bob.Account.ID] != nil {
		t.Fatalf("relationship: %v %+v", err, rel)
	}
	if resp, _ := b.Get("/accounts/12345"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown account: %d", resp.StatusCode)
	}
}

func TestSearchPage(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane, bob := in.CreateUser("jane"), in.CreateUser("bobby")
	post(t, in, bob, "Launching #springsale today", db.Public)
	b, _ := signedIn(t, in, jane)
	for _, c := range []struct{ q, want string }{
		{"bobby", `href="/accounts/` + db.FormatID(bob.Account.ID) + `"`},
		{"@bobby@" + in.Config.AccountDomain, `@bobby`},
		{"#springsale", `href="/tags/springsale"`},
		{"nothing-matches-this", "Nothing found for"},
	} {
		resp, page := b.Get("/search?q=" + strings.ReplaceAll(strings.ReplaceAll(c.q, "#", "%23"), "@", "%40"))
		if resp.StatusCode != 200 || !strings.Contains(string(page), c.want) {
			t.Errorf("search %q: %d, lacks %q", c.q, resp.StatusCode, c.want)
		}
	}
}

func TestComposeWithMedia(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b, home := signedIn(t, in, jane)
	img, err := os.ReadFile("../static/avatar.png")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	form := kontortest.Form(t, home, "/compose")
	form.Set("status", "Our new office")
	form.Set("media_description", "A grey <square>")
	for k, v := range form {
		mw.WriteField(k, v[0])
	}
	fw, _ := mw.CreateFormFile("file", "office.png")
	fw.Write(img)
	mw.Close()
	req, _ := http.NewRequest("POST", in.URL+"/compose", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, page := b.Do(req)
	if resp.StatusCode != 200 || !strings.Contains(string(page), `alt="A grey &lt;square&gt;"`) {
		t.Fatalf("post with media: %d\n%s", resp.StatusCode, page)
	}
}

func TestSettingsProfile(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b, _ := signedIn(t, in, jane)
	_, page := b.Get("/settings/profile")
	resp, saved := b.Submit(page, "/settings/profile", map[string]string{"display_name": "Jane <Doe>", "note": "Social media at #acme",
		"fields_attributes[0][name]": "Web", "fields_attributes[0][value]": "https://example.com", "locked": "true", "discoverable": ""})
	if resp.StatusCode != 200 || resp.Request.URL.RawQuery != "saved=1" || !strings.Contains(string(saved), `value="Jane &lt;Doe&gt;"`) {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Request.URL)
	}
	a, err := in.DB.AccountByID(context.Background(), jane.Account.ID)
	if err != nil || a.DisplayName != "Jane <Doe>" || !a.Locked || a.Discoverable || len(a.Fields) != 1 || a.Fields[0].Name != "Web" || !strings.Contains(a.Note, "acme") {
		t.Fatalf("stored: %v %+v", err, a)
	}
	// The form shows a field's source; the account others read (cached,
	// shared) keeps its rendered value.
	if _, page = b.Get("/settings/profile"); !strings.Contains(string(page), `value="https://example.com"`) {
		t.Fatalf("the form does not show the field's source:\n%s", page)
	}
	if u, err := in.DB.UserByID(context.Background(), jane.User.ID); err != nil || !strings.Contains(u.Account.Fields[0].Value, "<a ") {
		t.Fatalf("showing the form changed the signed-in user's cached field: %v %+v", err, u.Account.Fields)
	}
	resp, again := b.Submit(saved, "/settings/profile", map[string]string{"display_name": strings.Repeat("J", 31)})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(again), "too long") || !strings.Contains(string(again), strings.Repeat("J", 31)) {
		t.Fatalf("too long: %d", resp.StatusCode)
	}
	if a2, _ := in.DB.AccountByID(context.Background(), jane.Account.ID); a2.DisplayName != "Jane <Doe>" {
		t.Fatalf("a refused change was stored: %q", a2.DisplayName)
	}
}
