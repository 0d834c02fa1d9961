package pages_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

var ctx = context.Background()

const htmlAccept = "Accept: text/html"

// testPNG is a small opaque image.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 160, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// setImages uploads u's avatar and header through the API and returns the
// account entity's URLs of them.
func setImages(t *testing.T, in *kontortest.Instance, u *kontortest.User) (avatar, header string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, field := range []string{"avatar", "header"} {
		fw, _ := mw.CreateFormFile(field, field+".png")
		fw.Write(testPNG(t, 40, 30))
	}
	mw.Close()
	resp, data := in.Do("PATCH", "/api/v1/accounts/update_credentials", body.Bytes(),
		"Authorization: Bearer "+u.Token, "Content-Type: "+mw.FormDataContentType())
	if resp.StatusCode != 200 {
		t.Fatalf("update_credentials: %d %s", resp.StatusCode, data)
	}
	var acct struct{ Avatar, Header string }
	if err := json.Unmarshal(data, &acct); err != nil {
		t.Fatal(err)
	}
	return acct.Avatar, acct.Header
}

func apiPost(t *testing.T, in *kontortest.Instance, u *kontortest.User, path string) {
	t.Helper()
	if resp, body := in.Do("POST", path, nil, "Authorization: Bearer "+u.Token); resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, body)
	}
}

// The profile shows the account's images, each post's counts and polls,
// links to its feeds and the follow form; nothing but public and unlisted
// posts.
func TestProfileShowsImagesCountsPollsAndFeeds(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	avatar, header := setImages(t, in, alice)
	if !strings.Contains(avatar, "/media/") || !strings.Contains(header, "/media/") {
		t.Fatalf("API images: %s %s", avatar, header)
	}
	liked := in.Post(alice, activitypub.PostParams{Text: "Liked and boosted", Visibility: db.Public})
	lunch := in.Post(alice, activitypub.PostParams{Text: "Lunch?", Visibility: db.Public,
		Poll: &activitypub.PollParams{Options: []string{"Pizza <b>", "Salad"}, ExpiresIn: time.Hour}})
	in.Post(alice, activitypub.PostParams{Text: "for followers only", Visibility: db.Private})
	apiPost(t, in, bob, "/api/v1/statuses/"+db.FormatID(liked.ID)+"/favourite")
	apiPost(t, in, bob, "/api/v1/statuses/"+db.FormatID(liked.ID)+"/reblog")
	apiPost(t, in, bob, "/api/v1/polls/"+db.FormatID(*lunch.PollID)+"/votes?choices[]=1")

	resp, body := in.Get("/@alice", htmlAccept)
	page := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("profile: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`class="avatar u-photo" src="` + avatar + `"`,
		`class="header" src="` + header + `"`,
		`<link rel="alternate" type="application/rss+xml" title="RSS feed of @alice@` + in.Config.AccountDomain + `" href="` + in.URL + `/@alice.rss">`,
		`<link rel="alternate" type="application/atom+xml"`,
		`href="` + in.URL + `/@alice.atom"`,
		`<form class="remote-follow" method="get" action="` + in.URL + `/@alice/remote_follow">`,
		`name="acct"`,
		`<span title="Boosts">⇄ 1</span> <span title="Favourites">★ 1</span>`,
		`<strong>0%</strong> Pizza &lt;b&gt;`,
		`<span class="poll-bar" style="width:100%"></span><span class="poll-label"><strong>100%</strong> Salad`,
		`1 person · ends`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("profile lacks %s", want)
		}
	}
	if strings.Contains(page, "followers only") {
		t.Error("profile shows a followers-only post")
	}
	// The form may lead to the visitor's server; nothing else may.
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https: http:") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if _, body := in.Get("/@bob", htmlAccept); !strings.Contains(string(body), `src="`+in.URL+`/static/avatar.png"`) {
		t.Error("an account without an avatar does not show the default one")
	}
}

// Profiles page back through all posts with ?max_id=, boosts included.
func TestProfilePaging(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	for i := range 23 {
		in.Post(alice, activitypub.PostParams{Text: fmt.Sprintf("post number %d.", i), Visibility: db.Public})
	}
	next := regexp.MustCompile(`<a rel="next" href="([^"]+)">Older posts</a>`)
	_, body := in.Get("/@alice", htmlAccept)
	if n := strings.Count(string(body), `<article class="status`); n != 20 {
		t.Errorf("first page: %d posts, want 20", n)
	}
	if !strings.Contains(string(body), "post number 22.") || strings.Contains(string(body), "post number 2.") {
		t.Error("first page does not hold the newest posts")
	}
	m := next.FindSubmatch(body)
	if m == nil {
		t.Fatal("no link to older posts")
	}
	older, _ := url.Parse(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	resp, body := in.Get(older.RequestURI(), htmlAccept)
	if resp.StatusCode != 200 || strings.Count(string(body), `<article class="status`) != 3 {
		t.Fatalf("second page: %d, %d posts", resp.StatusCode, strings.Count(string(body), `<article class="status`))
	}
	for _, want := range []string{"post number 0.", "post number 1.", "post number 2."} {
		if !strings.Contains(string(body), want) {
			t.Errorf("second page lacks %q", want)
		}
	}
	if next.Match(body) {
		t.Error("the last page links to older posts")
	}
	if resp, _ := in.Get("/@alice?max_id=abc", htmlAccept); resp.StatusCode != 400 {
		t.Errorf("bad max_id: %d, want 400", resp.StatusCode)
	}
}

// "Follow from your server" sends the visitor to the subscribe template
// their server's WebFinger names, else to its /authorize_interaction.
func TestRemoteFollowBox(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	var tmpl string
	wf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/webfinger" || r.URL.Query().Get("resource") != "acct:carol@"+r.Host {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		fmt.Fprintf(w, `{"subject":"acct:carol@%s","links":[{"rel":"http://ostatus.org/schema/1.0/subscribe","template":%q}]}`, r.Host, tmpl)
	}))
	defer wf.Close()
	host := strings.TrimPrefix(wf.URL, "http://")
	escaped := url.QueryEscape(alice.Account.URI)

	cases := []struct {
		name, template, acct, want string
		status                     int
	}{
		{"subscribe template", wf.URL + "/share/follow?target={uri}", "carol@" + host, wf.URL + "/share/follow?target=" + escaped, 303},
		{"leading @ and spaces", wf.URL + "/share/follow?target={uri}", " @carol@" + host + " ", wf.URL + "/share/follow?target=" + escaped, 303},
		{"hostile template", "javascript:alert('{uri}')", "carol@" + host, wf.URL + "/authorize_interaction?uri=" + escaped, 303},
		{"no WebFinger", "", "dave@" + host, wf.URL + "/authorize_interaction?uri=" + escaped, 303},
		{"no domain", "", "carol", "", 400},
		{"bad domain", "", "carol@exa mple/x", "", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl = c.template
			resp, body := in.Get("/@alice/remote_follow?acct="+url.QueryEscape(c.acct), htmlAccept)
			if resp.StatusCode != c.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, body, c.status)
			}
			if got := resp.Header.Get("Location"); got != c.want {
				t.Errorf("Location %q, want %q", got, c.want)
			}
		})
	}
	if resp, _ := in.Get("/@nobody/remote_follow?acct=carol@"+host, htmlAccept); resp.StatusCode != 404 {
		t.Errorf("unknown account: %d", resp.StatusCode)
	}
}
