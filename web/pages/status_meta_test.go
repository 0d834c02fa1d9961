package pages_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// uploadImage stores an image attachment of u through the API.
func uploadImage(t *testing.T, in *kontortest.Instance, u *kontortest.User, alt string) (id int64, fileURL string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(testPNG(t, 64, 48))
	mw.WriteField("description", alt)
	mw.Close()
	resp, data := in.Do("POST", "/api/v2/media", body.Bytes(), "Authorization: Bearer "+u.Token, "Content-Type: "+mw.FormDataContentType())
	if resp.StatusCode != 200 && resp.StatusCode != 202 {
		t.Fatalf("upload: %d %s", resp.StatusCode, data)
	}
	var m struct{ ID, URL string }
	json.Unmarshal(data, &m)
	id, ok := db.ParseID(m.ID)
	if !ok {
		t.Fatalf("upload: %s", data)
	}
	return id, m.URL
}

// headMeta reads a page's <meta> (by property or name) and <link> (by
// type) elements.
func headMeta(t *testing.T, page []byte) (meta, links map[string]string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	meta, links = map[string]string{}, map[string]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			switch n.Data {
			case "meta":
				key := attrs["property"]
				if key == "" {
					key = attrs["name"]
				}
				meta[key] = attrs["content"]
			case "link":
				links[attrs["type"]] = attrs["href"]
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return meta, links
}

// Status pages carry OpenGraph and Twitter card tags (the first image, or
// the author's avatar) and the oEmbed link, which answers.
func TestStatusPageMetaAndOEmbed(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	avatar, _ := setImages(t, in, alice)
	mediaID, imageURL := uploadImage(t, in, alice, "the team")
	withImage := in.Post(alice, activitypub.PostParams{Text: `Ship it "now" <script>x</script>`, Visibility: db.Public, MediaIDs: []int64{mediaID}})
	textOnly := in.Post(alice, activitypub.PostParams{Text: "Just words", Visibility: db.Unlisted})
	warned := in.Post(alice, activitypub.PostParams{Text: "the spoiler itself", SpoilerText: "Film ending", Visibility: db.Public})
	sensitiveID, _ := uploadImage(t, in, alice, "gore")
	sensitive := in.Post(alice, activitypub.PostParams{Text: "Surgery photos", Sensitive: true, Visibility: db.Public, MediaIDs: []int64{sensitiveID}})
	poll := in.Post(alice, activitypub.PostParams{Text: "Lunch?", Visibility: db.Public,
		Poll: &activitypub.PollParams{Options: []string{"Pizza", "Salad"}, ExpiresIn: time.Hour}})

	cases := []struct {
		s                  *db.Status
		description, image string
		card               string
	}{
		{withImage, `Ship it "now" <script>x</script>`, imageURL, "summary_large_image"},
		{textOnly, "Just words", avatar, "summary"},
		{warned, "Film ending", avatar, "summary"},
		{sensitive, "Surgery photos", avatar, "summary"},
		{poll, "Lunch?\n[ ] Pizza\n[ ] Salad", avatar, "summary"},
	}
	for _, c := range cases {
		resp, page := in.Get("/@alice/"+db.FormatID(c.s.ID), htmlAccept)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", c.s.URL, resp.StatusCode)
		}
		meta, links := headMeta(t, page)
		want := map[string]string{
			"og:title": "alice (@" + alice.Handle + ")", "og:description": c.description, "og:image": c.image,
			"og:url": c.s.URL, "twitter:card": c.card, "twitter:title": "alice (@" + alice.Handle + ")",
			"twitter:description": c.description, "twitter:image": c.image,
		}
		for k, v := range want {
			if meta[k] != v {
				t.Errorf("%q: %s = %q, want %q", c.description, k, meta[k], v)
			}
		}
		if strings.Contains(string(page), "<script>x") {
			t.Error("a live script tag on the page")
		}
		oembed := links["application/json+oembed"]
		if oembed != in.URL+"/api/oembed?url="+url.QueryEscape(c.s.URL) {
			t.Fatalf("oEmbed link %q", oembed)
		}
		resp, body := in.Get(oembed)
		var e map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(body, &e) != nil || e["type"] != "rich" || e["author_name"] != "alice" {
			t.Fatalf("oEmbed: %d %s", resp.StatusCode, body)
		}
	}
	if _, page := in.Get("/@alice/"+db.FormatID(warned.ID), htmlAccept); strings.Contains(string(bytes.SplitN(page, []byte("</head>"), 2)[0]), "the spoiler itself") {
		t.Error("the head tells what the content warning hides")
	}
}
