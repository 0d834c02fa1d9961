package pages_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// emojiPNG is a 16×16 PNG: an orange disc.
func emojiPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			if (x-8)*(x-8)+(y-8)*(y-8) < 56 {
				img.Set(x, y, color.RGBA{240, 140, 20, 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadEmoji submits the upload form of page with a file.
func uploadEmoji(t *testing.T, in *kontortest.Instance, b *kontortest.Browser, page []byte, fields map[string]string, file []byte) (*http.Response, []byte) {
	t.Helper()
	form := kontortest.Form(t, page, "/admin/emoji")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range form {
		if _, ok := fields[k]; !ok && k != "file" {
			mw.WriteField(k, v[0])
		}
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "upload.png")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", in.URL+"/admin/emoji", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.Do(req)
}

// An admin uploads :blobcat: on /admin/emoji, sees it listed with its
// image, gets a readable error for a file that is not an image, and
// removes it; a plain user may not see the page.
func TestAdminEmojiPage(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	admin := staffUser(t, in, "ada", db.RoleAdmin)
	b, _ := signedIn(t, in, admin)
	resp, page := b.Get("/admin/emoji")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "No custom emoji yet") {
		t.Fatalf("empty page: %d\n%s", resp.StatusCode, page)
	}

	resp, page = uploadEmoji(t, in, b, page, map[string]string{"shortcode": "blobcat", "category": "Blobs"}, emojiPNG(t))
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/admin/emoji" || !strings.Contains(string(page), ":blobcat: added") {
		t.Fatalf("upload: %d %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	list, err := in.DB.LocalEmojis(ctx, true)
	if err != nil || len(list) != 1 || list[0].Shortcode != "blobcat" || list[0].Category != "Blobs" {
		t.Fatalf("stored: %v %v", list, err)
	}
	url, _ := in.Engine().EmojiImageURL(list[0])
	if !strings.Contains(string(page), `src="`+url+`"`) || !strings.Contains(string(page), `alt=":blobcat:"`) {
		t.Errorf("the list does not show the image %s:\n%s", url, page)
	}
	if resp, _ := in.Get(url); resp.StatusCode != 200 {
		t.Errorf("image %s: %d", url, resp.StatusCode)
	}

	for _, c := range []struct {
		name   string
		fields map[string]string
		file   []byte
		want   string
	}{
		{"not an image", map[string]string{"shortcode": "notes"}, []byte("hello"), "PNG, GIF or WebP"},
		{"bad shortcode", map[string]string{"shortcode": "a b"}, emojiPNG(t), "Shortcode must be"},
		{"taken", map[string]string{"shortcode": "blobcat"}, emojiPNG(t), "is taken"},
		{"too big", map[string]string{"shortcode": "huge"}, make([]byte, 400<<10), "at most 256 KB"},
	} {
		resp, got := uploadEmoji(t, in, b, page, c.fields, c.file)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(got), c.want) || !strings.Contains(string(got), `role="alert"`) {
			t.Errorf("%s: %d, want 422 and …%s…\n%s", c.name, resp.StatusCode, c.want, got)
		}
	}

	resp, page = b.Submit(page, "/admin/emoji/blobcat/remove", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(page), ":blobcat: removed") || !strings.Contains(string(page), "No custom emoji yet") {
		t.Errorf("remove: %d\n%s", resp.StatusCode, page)
	}
	if list, _ := in.DB.LocalEmojis(ctx, true); len(list) != 0 {
		t.Errorf("still stored: %v", list)
	}

	user := in.CreateUser("bob")
	ub, _ := signedIn(t, in, user)
	if resp, _ := ub.Get("/admin/emoji"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user gets %d", resp.StatusCode)
	}
}

// In a real browser, a post using :blobcat: shows the image inline at the
// height of the text, and the admin page lists it with its image.
func TestBrowserCustomEmoji(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	admin := staffUser(t, in, "ada", db.RoleAdmin)
	if _, err := in.Engine().AddLocalEmoji(context.Background(), in.Server.Media, activitypub.LocalEmoji{Shortcode: "blobcat",
		Image: bytes.NewReader(emojiPNG(t))}); err != nil {
		t.Fatal(err)
	}
	in.Post(admin, activitypub.PostParams{Text: "Shipping today :blobcat: <b>bold?</b> :nope:", Visibility: db.Public})
	tab := kontortest.Tab(t, 60*time.Second)
	browserSignIn(t, tab, in, admin)
	waitFor(t, tab, "the emoji image", `(() => { const i = document.querySelector("#posts .post .content img.custom-emoji");
		return i && i.complete && i.naturalWidth === 16 && i.alt === ":blobcat:" })()`)
	h := js[float64](t, tab, `document.querySelector("#posts .post .content img.custom-emoji").getBoundingClientRect().height`)
	fontSize := js[float64](t, tab, `parseFloat(getComputedStyle(document.querySelector("#posts .post .content p")).fontSize)`)
	if h < fontSize || h > 1.5*fontSize {
		t.Errorf("emoji is %.1fpx high with text of %.1fpx", h, fontSize)
	}
	text := js[string](t, tab, `document.querySelector("#posts .post .content").textContent`)
	if !strings.Contains(text, ":nope:") || !strings.Contains(text, "<b>bold?</b>") {
		t.Errorf("post text %q", text)
	}
	shot(t, tab, "emoji-post")
	if err := chromedp.Do(tab, chromedp.Navigate(in.URL+"/admin/emoji")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the listed image", `(() => { const i = document.querySelector(".emoji-list img.custom-emoji"); return i && i.complete && i.naturalWidth === 16 })()`)
	shot(t, tab, "emoji-admin")
}
