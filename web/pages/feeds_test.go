package pages_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// The parts of RSS 2.0 and Atom the tests check, read back with encoding/xml
// (a feed that is not well-formed XML fails to parse).
type rssDoc struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title string `xml:"title"`
		// link and the Atom self link (atom:link) share the local name.
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Value   string `xml:",chardata"`
		} `xml:"link"`
		Description string `xml:"description"`
		Items       []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Author  struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Link struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

func getFeed(t *testing.T, in *kontortest.Instance, path, wantType string, v any) []byte {
	t.Helper()
	resp, body := in.Get(path)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantType {
		t.Fatalf("%s: %d %q %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if err := xml.Unmarshal(body, v); err != nil {
		t.Fatalf("%s is not well-formed: %v\n%s", path, err, body)
	}
	return body
}

// links returns the channel's link and its Atom self link.
func (doc *rssDoc) links() (link, self string) {
	for _, l := range doc.Channel.Links {
		switch l.XMLName.Space {
		case "":
			link = l.Value
		case "http://www.w3.org/2005/Atom":
			self = l.Href
		}
	}
	return link, self
}

// checkRSS checks the elements RSS 2.0 requires of a channel and its items.
func checkRSS(t *testing.T, doc *rssDoc) {
	t.Helper()
	if link, self := doc.links(); doc.Version != "2.0" || doc.Channel.Title == "" || link == "" || self == "" || doc.Channel.Description == "" {
		t.Errorf("channel lacks required elements: %+v", doc.Channel)
	}
	for _, it := range doc.Channel.Items {
		if it.Title == "" && it.Description == "" || it.GUID == "" || it.Link == "" {
			t.Errorf("item lacks elements: %+v", it)
		}
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
			t.Errorf("pubDate %q: %v", it.PubDate, err)
		}
	}
}

// A profile's feeds hold its public posts, newest first, with the HTML
// escaped inside the XML; unlisted, followers-only, direct posts, replies
// to others and boosts never appear.
func TestProfileFeeds(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	other := in.Post(bob, activitypub.PostParams{Text: "bob's own", Visibility: db.Public})
	first := in.Post(alice, activitypub.PostParams{Text: "Hello <script>alert(1)</script> & welcome #launch", Visibility: db.Public})
	in.Post(alice, activitypub.PostParams{Text: "quietly unlisted", Visibility: db.Unlisted})
	in.Post(alice, activitypub.PostParams{Text: "for followers only", Visibility: db.Private})
	in.Post(alice, activitypub.PostParams{Text: "@bob a secret", Visibility: db.Direct})
	in.Post(alice, activitypub.PostParams{Text: "@bob a reply", Visibility: db.Public, InReplyToID: &other.ID})
	if _, err := in.Engine().Reblog(ctx, alice.Account, other.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	second := in.Post(alice, activitypub.PostParams{Text: "Second post", SpoilerText: "Spoiler <i>", Visibility: db.Public})

	var r rssDoc
	raw := getFeed(t, in, "/@alice.rss", "application/rss+xml; charset=utf-8", &r)
	checkRSS(t, &r)
	if link, self := r.links(); link != in.URL+"/@alice" || self != in.URL+"/@alice.rss" || !strings.Contains(r.Channel.Title, "@alice@") {
		t.Errorf("channel %+v", r.Channel)
	}
	if len(r.Channel.Items) != 2 {
		t.Fatalf("%d items, want 2: %s", len(r.Channel.Items), raw)
	}
	newest, oldest := r.Channel.Items[0], r.Channel.Items[1]
	if newest.Link != second.URL || newest.Title != "Spoiler <i>" || !strings.Contains(newest.Description, "<strong>Spoiler &lt;i&gt;</strong>") {
		t.Errorf("newest item %+v", newest)
	}
	if oldest.GUID != first.URL || !strings.Contains(oldest.Description, "&lt;script&gt;") || !strings.Contains(oldest.Title, "Hello <script>") {
		t.Errorf("oldest item %+v", oldest)
	}
	if s := string(raw); strings.Contains(s, "<script") || strings.Contains(s, "bob's own") {
		t.Errorf("the feed has a live tag or a boost:\n%s", s)
	}

	var a atomDoc
	raw = getFeed(t, in, "/@alice.atom", "application/atom+xml; charset=utf-8", &a)
	if a.ID == "" || a.Title == "" || a.Updated == "" || len(a.Entries) != 2 {
		t.Fatalf("atom feed %+v\n%s", a, raw)
	}
	rels := map[string]string{}
	for _, l := range a.Links {
		rels[l.Rel] = l.Href
	}
	if rels["self"] != in.URL+"/@alice.atom" || rels["alternate"] != in.URL+"/@alice" {
		t.Errorf("atom links %v", rels)
	}
	for i, want := range []*db.Status{second, first} {
		e := a.Entries[i]
		if e.ID != want.URI || e.Link.Href != want.URL || e.Title == "" || e.Content.Type != "html" || e.Author.Name == "" {
			t.Errorf("entry %d: %+v", i, e)
		}
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry %d updated: %v", i, err)
		}
	}
	if !strings.Contains(a.Entries[1].Content.Value, "&lt;script&gt;") {
		t.Errorf("atom content %q", a.Entries[1].Content.Value)
	}
	for _, s := range []string{"quietly unlisted", "followers only", "a secret", "a reply"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the atom feed shows %q", s)
		}
	}

	// An unchanged feed is 304 to a reader that has it; a new post changes it.
	resp, _ := in.Get("/@alice.rss")
	etag := resp.Header.Get("ETag")
	if resp, body := in.Get("/@alice.rss", "If-None-Match: "+etag); etag == "" || resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("conditional GET with %q: %d %s", etag, resp.StatusCode, body)
	}
	in.Post(alice, activitypub.PostParams{Text: "Third post", Visibility: db.Public})
	if resp, _ := in.Get("/@alice.rss", "If-None-Match: "+etag); resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("after a new post: %d %q", resp.StatusCode, resp.Header.Get("ETag"))
	}

	var empty rssDoc
	getFeed(t, in, "/@bob.rss", "application/rss+xml; charset=utf-8", &empty)
	if len(empty.Channel.Items) != 1 {
		t.Errorf("bob's feed: %d items", len(empty.Channel.Items))
	}
	for path, want := range map[string]int{"/@nobody.rss": http.StatusNotFound, "/@alice.json": http.StatusNotFound, "/@ali%20ce.atom": http.StatusNotFound} {
		if resp, _ := in.Get(path); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
