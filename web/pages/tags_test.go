package pages_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A hashtag link in a post leads to a page of the public posts with that
// tag, paged and with a feed; nothing unlisted, followers-only or direct.
func TestTagPage(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	launch := in.Post(alice, activitypub.PostParams{Text: "Launch day #Launch <b>bold</b>", Visibility: db.Public})
	in.Post(alice, activitypub.PostParams{Text: "quietly #launch", Visibility: db.Unlisted})
	in.Post(alice, activitypub.PostParams{Text: "secretly #launch", Visibility: db.Private})
	in.Post(alice, activitypub.PostParams{Text: "@bob directly #launch", Visibility: db.Direct})
	in.Post(bob, activitypub.PostParams{Text: "elsewhere #other", Visibility: db.Public})

	link := regexp.MustCompile(`href="([^"]+/tags/launch)"`).FindStringSubmatch(launch.Content)
	if link == nil {
		t.Fatalf("no hashtag link in %s", launch.Content)
	}
	for _, path := range []string{link[1], "/tags/LAUNCH"} {
		resp, body := in.Get(path, htmlAccept)
		page := string(body)
		if resp.StatusCode != 200 || !strings.Contains(page, "<h1>#launch</h1>") || !strings.Contains(page, "Launch day") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, page)
		}
		for _, s := range []string{"quietly", "secretly", "directly", "elsewhere", "<b>bold"} {
			if strings.Contains(page, s) {
				t.Errorf("%s shows %q", path, s)
			}
		}
		if !strings.Contains(page, `<link rel="alternate" type="application/rss+xml" title="RSS feed of #launch" href="`+in.URL+`/tags/launch.rss">`) {
			t.Errorf("%s has no feed link", path)
		}
	}

	var r rssDoc
	raw := getFeed(t, in, "/tags/launch.rss", "application/rss+xml; charset=utf-8", &r)
	checkRSS(t, &r)
	if len(r.Channel.Items) != 1 || r.Channel.Items[0].Link != launch.URL || !strings.Contains(r.Channel.Items[0].Description, "&lt;b&gt;bold") {
		t.Errorf("tag feed:\n%s", raw)
	}
	var a atomDoc
	getFeed(t, in, "/tags/launch.atom", "application/atom+xml; charset=utf-8", &a)
	if len(a.Entries) != 1 || a.Entries[0].ID != launch.URI {
		t.Errorf("tag atom feed: %+v", a)
	}

	if resp, body := in.Get("/tags/unused", htmlAccept); resp.StatusCode != 200 || !strings.Contains(string(body), "No public posts with #unused") {
		t.Errorf("unused tag: %d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/tags/" + url.PathEscape("not a tag"), "/tags/123", "/tags/a%3Cb"} {
		if resp, _ := in.Get(path, htmlAccept); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, _ := in.Get("/tags/launch?max_id=x", htmlAccept); resp.StatusCode != 400 {
		t.Errorf("bad max_id: %d", resp.StatusCode)
	}
}

func TestTagPagePaging(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	for i := range 21 {
		in.Post(alice, activitypub.PostParams{Text: fmt.Sprintf("tagged %d. #many", i), Visibility: db.Public})
	}
	_, body := in.Get("/tags/many", htmlAccept)
	m := regexp.MustCompile(`<a rel="next" href="([^"]+)">`).FindSubmatch(body)
	if n := strings.Count(string(body), `<article class="status`); n != 20 || m == nil {
		t.Fatalf("first page: %d posts, next %q", n, m)
	}
	older, _ := url.Parse(string(m[1]))
	_, body = in.Get(older.RequestURI(), htmlAccept)
	if n := strings.Count(string(body), `<article class="status`); n != 1 || !strings.Contains(string(body), "tagged 0.") {
		t.Errorf("second page: %d posts\n%s", n, body)
	}
}
