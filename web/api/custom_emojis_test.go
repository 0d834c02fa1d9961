package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// emojiPNG is a small PNG of one colour.
func emojiPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// emojiColor is the colour of the middle pixel of a PNG.
func emojiColor(t *testing.T, data []byte) color.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	r, g, b, a := img.At(8, 8).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// emojiOf finds the emoji of shortcode in an entity's "emojis".
func emojiOf(entity map[string]any, shortcode string) map[string]any {
	list, _ := entity["emojis"].([]any)
	for _, e := range list {
		if m := e.(map[string]any); m["shortcode"] == shortcode {
			return m
		}
	}
	return nil
}

// carol on a remote server uses her server's :blobcat: in her display name
// and in a post mentioning bob. Bob's instance copies the image once into
// its own media store and shows the emoji on the status and on carol's
// account from there, never from carol's server. A later post naming a
// newer :blobcat: (another image, a later `updated`) replaces the image.
func TestRemoteEmojisAreCopiedAndShown(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	bob := in.CreateUser("bob")
	fs := kontortest.NewFakeServer(t)
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	var hits atomic.Int32
	serve := func(data []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Content-Type", "image/png")
			w.Write(data)
		}
	}
	redURL := fs.Handle("/emoji/blobcat.png", serve(emojiPNG(t, red)))
	blueURL := fs.Handle("/emoji/blobcat-2.png", serve(emojiPNG(t, blue)))
	tag := func(url string, updated time.Time) map[string]any {
		return map[string]any{"id": fs.URL + "/emojis/1", "type": "Emoji", "name": ":blobcat:", "updated": updated.UTC().Format(time.RFC3339),
			"icon": map[string]any{"type": "Image", "mediaType": "image/png", "url": url}}
	}
	first := time.Now().Add(-time.Hour)
	carol := fs.Actor("carol")
	carol.Doc["name"] = "Carol :blobcat:"
	carol.Doc["tag"] = []any{tag(redURL, first)}
	mention := map[string]any{"type": "Mention", "href": bob.Account.URI, "name": "@bob"}
	send := func(id string, emoji map[string]any) *db.Status {
		t.Helper()
		note := carol.Note(id, "<p>@bob look :blobcat: and :unknown:</p>", map[string]any{"tag": []any{mention, emoji}})
		if status, body := carol.SignedPost(in.URL+"/inbox", carol.Activity("Create", "creates/"+id, note, nil)); status != http.StatusAccepted {
			t.Fatalf("create: %d %s", status, body)
		}
		return in.WaitStatus(note["id"].(string))
	}
	s := send("1", tag(redURL, first))
	api := acctAs(t, in, bob)
	var st map[string]any
	kontortest.Eventually(t, kontortest.Wait, "the emoji to be copied", func() bool {
		st = api.obj("GET", "/api/v1/statuses/"+db.FormatID(s.ID), nil)
		return emojiOf(st, "blobcat") != nil && emojiOf(st["account"].(map[string]any), "blobcat") != nil
	})
	e := emojiOf(st, "blobcat")
	url, _ := e["url"].(string)
	if !strings.HasPrefix(url, in.URL+"/media/emoji/") || e["static_url"] != url || e["visible_in_picker"] != false {
		t.Errorf("status emoji %v: want our own copy", e)
	}
	if len(st["emojis"].([]any)) != 1 {
		t.Errorf("status emojis %v: only :blobcat: has a tag", st["emojis"])
	}
	if acc := emojiOf(st["account"].(map[string]any), "blobcat"); acc["url"] != url {
		t.Errorf("account emoji %v, status emoji %v: one emoji per shortcode and domain", acc, e)
	}
	if got := emojiColor(t, mediaFetch(t, in, url, "image/png")); got != red {
		t.Errorf("copied image is %v, want red", got)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("carol's server served the image %d times, want once", n)
	}
	// Timelines carry it too (the batched read path).
	home := api.list("/api/v1/accounts/" + db.FormatID(s.AccountID) + "/statuses")
	if len(home) != 1 || emojiOf(home[0].(map[string]any), "blobcat") == nil {
		t.Errorf("account timeline %v", home)
	}

	// The same tag again: nothing to copy. A newer one: the new image.
	send("2", tag(redURL, first))
	s3 := send("3", tag(blueURL, first.Add(time.Minute)))
	kontortest.Eventually(t, kontortest.Wait, "the new image to be copied", func() bool {
		e := emojiOf(api.obj("GET", "/api/v1/statuses/"+db.FormatID(s3.ID), nil), "blobcat")
		return e != nil && e["url"] != url
	})
	e = emojiOf(api.obj("GET", "/api/v1/statuses/"+db.FormatID(s.ID), nil), "blobcat")
	if got := emojiColor(t, mediaFetch(t, in, e["url"].(string), "image/png")); got != blue {
		t.Errorf("refreshed image is %v, want blue", got)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("carol's server served images %d times, want twice", n)
	}
	if resp, _ := in.Get(url); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the replaced copy is still served: %d", resp.StatusCode)
	}

	// carol drops it from her name: her Update leaves her account without it.
	carol.Doc["name"], carol.Doc["tag"] = "Carol", []any{}
	if status, body := carol.SignedPost(in.URL+"/inbox", carol.Activity("Update", "updates/1", carol.Doc, nil)); status != http.StatusAccepted {
		t.Fatalf("update: %d %s", status, body)
	}
	kontortest.Eventually(t, kontortest.Wait, "carol's profile without the emoji", func() bool {
		acc := api.obj("GET", "/api/v1/accounts/"+db.FormatID(s.AccountID), nil)
		return acc["display_name"] == "Carol" && len(acc["emojis"].([]any)) == 0
	})
}

// alice adds :blobcat: on A and uses it in a post and in her display name;
// bob on B follows her. A lists it at /api/v1/custom_emojis and answers its
// id with the Emoji object; the Note B receives carries the Emoji tag, and
// B shows the emoji from its own copy. Once removed on A, new entities of
// A no longer carry it.
func TestLocalEmojisFederate(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	em, err := a.Engine().AddLocalEmoji(acctCtx, a.Server.Media, activitypub.LocalEmoji{Shortcode: "blobcat", Category: "Blobs",
		Image: bytes.NewReader(emojiPNG(t, color.RGBA{0, 255, 0, 255}))})
	if err != nil {
		t.Fatal(err)
	}
	list := acctAs(t, a, nil).list("/api/v1/custom_emojis")
	if len(list) != 1 {
		t.Fatalf("custom_emojis %v", list)
	}
	le := list[0].(map[string]any)
	if le["shortcode"] != "blobcat" || le["category"] != "Blobs" || le["visible_in_picker"] != true ||
		!strings.HasPrefix(le["url"].(string), a.URL+"/media/emoji/") {
		t.Errorf("custom_emojis entry %v", le)
	}

	acctAs(t, a, alice).obj("PATCH", "/api/v1/accounts/update_credentials", acctJSON(`{"display_name":"Alice :blobcat:"}`))
	b.Follow(bob, a, alice)
	fs := kontortest.NewFakeServer(t)
	erin := fs.Actor("erin")
	erin.FollowLocal(a, alice)
	s := a.Post(alice, activitypub.PostParams{Text: "hello :blobcat: and :nothere:", Visibility: db.Public})

	mine := acctAs(t, a, alice).obj("GET", "/api/v1/statuses/"+db.FormatID(s.ID), nil)
	if e := emojiOf(mine, "blobcat"); e == nil || e["url"] != le["url"] || len(mine["emojis"].([]any)) != 1 {
		t.Errorf("A's status emojis %v", mine["emojis"])
	}
	if emojiOf(mine["account"].(map[string]any), "blobcat") == nil {
		t.Errorf("A's account emojis %v", mine["account"])
	}

	// The Note as peers see it, and the emoji's id.
	resp, body := a.Get(s.URI, "Accept: application/activity+json")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"type":"Emoji"`) || !strings.Contains(string(body), `"name":":blobcat:"`) {
		t.Fatalf("Note: %d %s", resp.StatusCode, body)
	}
	emojiID := a.Engine().EmojiURI(em)
	resp, body = a.Get(emojiID, "Accept: application/activity+json")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":"`+emojiID+`"`) || !strings.Contains(string(body), `"@context"`) ||
		!strings.Contains(string(body), le["url"].(string)) {
		t.Errorf("emoji object: %d %s", resp.StatusCode, body)
	}

	// The Create a remote follower receives.
	var tag map[string]any
	kontortest.Eventually(t, kontortest.Wait, "erin to receive the Create", func() bool {
		for _, r := range fs.Received() {
			var doc struct {
				Type   string `json:"type"`
				Object struct {
					ID  string           `json:"id"`
					Tag []map[string]any `json:"tag"`
				} `json:"object"`
			}
			if json.Unmarshal(r.Body, &doc) != nil || doc.Type != "Create" || doc.Object.ID != s.URI {
				continue
			}
			for _, tg := range doc.Object.Tag {
				if tg["type"] == "Emoji" {
					tag = tg
				}
			}
			return true
		}
		return false
	})
	icon, _ := tag["icon"].(map[string]any)
	if tag["id"] != a.Engine().EmojiURI(em) || tag["name"] != ":blobcat:" || tag["updated"] == nil || icon == nil ||
		icon["type"] != "Image" || icon["mediaType"] != "image/png" || icon["url"] != le["url"] {
		t.Errorf("Emoji tag of the delivered Note: %v", tag)
	}

	onB := b.WaitStatus(s.URI)
	var got map[string]any
	kontortest.Eventually(t, kontortest.Wait, "B to show the emoji", func() bool {
		got = acctAs(t, b, bob).obj("GET", "/api/v1/statuses/"+db.FormatID(onB.ID), nil)
		return emojiOf(got, "blobcat") != nil
	})
	if u := emojiOf(got, "blobcat")["url"].(string); !strings.HasPrefix(u, b.URL+"/media/emoji/") {
		t.Errorf("B hotlinks %s", u)
	}

	// An edit that drops it drops the emoji.
	edited := acctAs(t, a, alice).obj("PUT", "/api/v1/statuses/"+db.FormatID(s.ID), acctJSON(`{"status":"hello, plainly"}`))
	if len(edited["emojis"].([]any)) != 0 {
		t.Errorf("edited status emojis %v", edited["emojis"])
	}
	acctAs(t, a, alice).obj("PUT", "/api/v1/statuses/"+db.FormatID(s.ID), acctJSON(`{"status":"hello again :blobcat:"}`))
	history := acctAs(t, a, alice).list("/api/v1/statuses/" + db.FormatID(s.ID) + "/history")
	var perVersion []int
	for _, v := range history {
		perVersion = append(perVersion, len(v.(map[string]any)["emojis"].([]any)))
	}
	if fmt.Sprint(perVersion) != "[1 0 1]" {
		t.Errorf("emojis per version %v, want [1 0 1]", perVersion)
	}

	// A poll option's emoji is the poll's too, and an edit of the text keeps it.
	pl := a.Post(alice, activitypub.PostParams{Text: "vote", Visibility: db.Public,
		Poll: &activitypub.PollParams{Options: []string{":blobcat: yes", "no"}, ExpiresIn: time.Hour}})
	acctAs(t, a, alice).obj("PUT", "/api/v1/statuses/"+db.FormatID(pl.ID), acctJSON(`{"status":"vote now"}`))
	poll := acctAs(t, a, alice).obj("GET", "/api/v1/statuses/"+db.FormatID(pl.ID), nil)["poll"].(map[string]any)
	if pe := poll["emojis"].([]any); len(pe) != 1 || pe[0].(map[string]any)["shortcode"] != "blobcat" {
		t.Errorf("poll emojis %v", poll["emojis"])
	}

	if err := a.Engine().RemoveLocalEmoji(acctCtx, a.Server.Media, "blobcat"); err != nil {
		t.Fatal(err)
	}
	after := acctAs(t, a, alice).obj("GET", "/api/v1/statuses/"+db.FormatID(s.ID), nil)
	if len(after["emojis"].([]any)) != 0 || len(after["account"].(map[string]any)["emojis"].([]any)) != 0 {
		t.Errorf("removed emoji still shown: %v %v", after["emojis"], after["account"])
	}
	if l := acctAs(t, a, nil).list("/api/v1/custom_emojis"); len(l) != 0 {
		t.Errorf("custom_emojis after removal %v", l)
	}
	if resp, _ := a.Get(emojiID, "Accept: application/activity+json"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("removed emoji's id: %d", resp.StatusCode)
	}
	if resp, _ := a.Get(le["url"].(string)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("removed emoji's image: %d", resp.StatusCode)
	}
}

// Bad emoji are refused with a reason a person can act on.
func TestAddLocalEmojiRefusesBadInput(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	good := emojiPNG(t, color.RGBA{1, 2, 3, 255})
	big := make([]byte, 300*1024)
	copy(big, good)
	for _, c := range []struct {
		name, shortcode string
		image           []byte
		field, msg      string
	}{
		{"short name", "b", good, "shortcode", "2 to 64"},
		{"bad characters", "blob-cat", good, "shortcode", "2 to 64"},
		{"not an image", "blobcat", []byte("hello, world"), "image", "PNG, GIF or WebP"},
		{"JPEG", "blobcat", mediaJPEG(t), "image", "PNG, GIF or WebP"},
		{"too big", "blobcat", big, "image", "256 KB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := in.Engine().AddLocalEmoji(acctCtx, in.Server.Media, activitypub.LocalEmoji{Shortcode: c.shortcode, Image: bytes.NewReader(c.image)})
			in, ok := err.(*activitypub.InputError)
			if !ok || in.Field != c.field || !strings.Contains(in.Msg, c.msg) {
				t.Errorf("got %v, want %s: …%s…", err, c.field, c.msg)
			}
		})
	}
	if _, err := in.Engine().AddLocalEmoji(acctCtx, in.Server.Media, activitypub.LocalEmoji{Shortcode: "blobcat", Image: bytes.NewReader(good)}); err != nil {
		t.Fatal(err)
	}
	_, err := in.Engine().AddLocalEmoji(acctCtx, in.Server.Media, activitypub.LocalEmoji{Shortcode: "blobcat", Image: bytes.NewReader(good)})
	if ie, ok := err.(*activitypub.InputError); !ok || !strings.Contains(ie.Msg, "taken") {
		t.Errorf("duplicate: %v", err)
	}
}
