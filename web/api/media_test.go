package api_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Helpers of the media tests (prefixed media).

// mediaGPSLatitude is the GPSLatitude value mediaJPEG writes (48°51'24"):
// these bytes must not survive an upload.
var mediaGPSLatitude = []byte{0, 0, 0, 48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0x09, 0x60, 0, 0, 0, 100}

// mediaJPEG is a 40x20 photo, blue with a red square in its top-left
// corner, carrying an EXIF block with Orientation 6 ("rotate 90° clockwise
// to show") and a GPS position, spliced in right after SOI as cameras do.
func mediaJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for y := range 20 {
		for x := range 40 {
			c := color.RGBA{20, 40, 220, 255}
			if x < 8 && y < 8 {
				c = color.RGBA{230, 20, 20, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	var tiff []byte
	tiff = append(tiff, 'M', 'M', 0, 42, 0, 0, 0, 8)
	tiff = be.AppendUint16(tiff, 2)
	tiff = be.AppendUint16(tiff, 0x0112) // Orientation, SHORT 6
	tiff = be.AppendUint16(tiff, 3)
	tiff = be.AppendUint32(tiff, 1)
	tiff = be.AppendUint16(tiff, 6)
	tiff = be.AppendUint16(tiff, 0)
	tiff = be.AppendUint16(tiff, 0x8825) // GPS IFD at 38
	tiff = be.AppendUint16(tiff, 4)
	tiff = be.AppendUint32(tiff, 1)
	tiff = be.AppendUint32(tiff, 38)
	tiff = be.AppendUint32(tiff, 0)
	tiff = be.AppendUint16(tiff, 2)
	tiff = be.AppendUint16(tiff, 0x0001) // GPSLatitudeRef "N"
	tiff = be.AppendUint16(tiff, 2)
	tiff = be.AppendUint32(tiff, 2)
	tiff = append(tiff, 'N', 0, 0, 0)
	tiff = be.AppendUint16(tiff, 0x0002) // GPSLatitude, 3 RATIONAL at 68
	tiff = be.AppendUint16(tiff, 5)
	tiff = be.AppendUint32(tiff, 3)
	tiff = be.AppendUint32(tiff, 68)
	tiff = be.AppendUint32(tiff, 0)
	tiff = append(tiff, mediaGPSLatitude...)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := be.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	jpg := buf.Bytes()
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// mediaAlphaPNG is 30x20: transparent left half, opaque red right half.
func mediaAlphaPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 30, 20))
	for y := range 20 {
		for x := 15; x < 30; x++ {
			img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	img.SetNRGBA(0, 0, color.NRGBA{0, 255, 0, 128})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mediaNoisePNG is an opaque w×h PNG of random pixels (it compresses badly,
// so its size is about 3·w·h bytes).
func mediaNoisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(7, 9))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mediaGIF is a two-frame 12x10 animation.
func mediaGIF(t *testing.T) []byte {
	t.Helper()
	anim := &gif.GIF{}
	for i := range 2 {
		f := image.NewPaletted(image.Rect(0, 0, 12, 10), palette.Plan9)
		for j := range f.Pix {
			f.Pix[j] = uint8(10 + 100*i)
		}
		anim.Image = append(anim.Image, f)
		anim.Delay = append(anim.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mediaMP4 starts like an MP4 file (an ftyp box of brand isom).
func mediaMP4(n int) []byte {
	b := append([]byte{0, 0, 0, 0x18}, "ftypisom\x00\x00\x02\x00isomiso2"...)
	return append(b, make([]byte, n-len(b))...)
}

// mediaMP3 starts like an MP3 with an ID3v2 tag.
func mediaMP3(n int) []byte {
	b := []byte("ID3\x04\x00\x00\x00\x00\x00\x00")
	return append(b, make([]byte, n-len(b))...)
}

// mediaUpload posts a multipart upload to /api/{version}/media.
func mediaUpload(c *acctClient, version string, file []byte, fields map[string]string) (int, map[string]any, string) {
	c.t.Helper()
	form := acctForm{fields: fields, files: map[string][]byte{}}
	if file != nil {
		form.files["file"] = file
	}
	code, _, body := c.do("POST", "/api/"+version+"/media", form)
	var v map[string]any
	json.Unmarshal(body, &v)
	return code, v, string(body)
}

// mediaCheckEntity checks that every MediaAttachment field is present with
// the right JSON type.
func mediaCheckEntity(t *testing.T, m map[string]any, wantType string) {
	t.Helper()
	for _, k := range []string{"id", "type", "url", "preview_url", "remote_url", "preview_remote_url", "text_url", "meta", "description", "blurhash"} {
		if _, ok := m[k]; !ok {
			t.Errorf("attachment lacks %q: %v", k, m)
		}
	}
	if id, ok := m["id"].(string); !ok || id == "" {
		t.Errorf("id %v is not a string", m["id"])
	}
	if m["type"] != wantType {
		t.Errorf("type %v, want %s", m["type"], wantType)
	}
	if u, ok := m["url"].(string); !ok || u == "" {
		t.Errorf("url %v", m["url"])
	}
	if u, ok := m["preview_url"].(string); (!ok || u == "") && wantType == "image" {
		t.Errorf("preview_url %v", m["preview_url"])
	}
	if m["remote_url"] != nil {
		t.Errorf("remote_url of an upload %v", m["remote_url"])
	}
	if _, ok := m["meta"].(map[string]any); !ok {
		t.Errorf("meta %v", m["meta"])
	}
}

// mediaFetch downloads a stored file and checks the headers it is served with.
func mediaFetch(t *testing.T, in *kontortest.Instance, u, wantType string) []byte {
	t.Helper()
	resp, body := in.Get(u)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	h := resp.Header
	if h.Get("Content-Type") != wantType {
		t.Errorf("GET %s: Content-Type %q, want %s", u, h.Get("Content-Type"), wantType)
	}
	if cc := h.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "public") {
		t.Errorf("GET %s: Cache-Control %q", u, cc)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: no nosniff", u)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("GET %s: CSP %q", u, csp)
	}
	return body
}

// mediaRows counts the attachments of an account.
func mediaRows(t *testing.T, in *kontortest.Instance, u *kontortest.User) int {
	t.Helper()
	n, err := in.DB.CountAccountMedia(acctCtx, u.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMediaUploadJPEGStripsMetadata(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	jpg := mediaJPEG(t)
	if !bytes.Contains(jpg, []byte("Exif")) || !bytes.Contains(jpg, mediaGPSLatitude) {
		t.Fatal("the fixture carries no EXIF GPS")
	}

	// go-mastodon's UploadMediaFromMedia (POST /api/v2/media).
	att, err := c.masto().UploadMediaFromMedia(acctCtx, &mastodon.Media{File: bytes.NewReader(jpg), Description: "A red square", Focus: "0.5,-0.25"})
	if err != nil {
		t.Fatal(err)
	}
	if att.Type != "image" || att.Description != "A red square" || att.BlurHash == "" || !strings.HasPrefix(att.URL, in.URL+"/media/attachments/") {
		t.Errorf("go-mastodon sees %+v", att)
	}
	// Upright: the 40x20 photo turned a quarter clockwise is 20x40.
	if o := att.Meta.Original; o.Width != 20 || o.Height != 40 || o.Size != "20x40" || o.Aspect != 0.5 {
		t.Errorf("meta.original %+v", o)
	}
	if s := att.Meta.Small; s.Width != 20 || s.Height != 40 {
		t.Errorf("meta.small %+v", s)
	}
	if f := att.Meta.Focus; f.X != 0.5 || f.Y != -0.25 {
		t.Errorf("meta.focus %+v", f)
	}

	// masto polls GET /api/v1/media/:id: the url is there at once.
	if err := c.masto().GetMediaStatus(acctCtx, att); err != nil {
		t.Fatal(err)
	}
	got := c.obj("GET", "/api/v1/media/"+string(att.ID), nil)
	mediaCheckEntity(t, got, "image")
	if got["url"] != att.URL || got["description"] != "A red square" {
		t.Errorf("GET %v", got)
	}

	stored := mediaFetch(t, in, att.URL, "image/jpeg")
	if bytes.Contains(stored, []byte("Exif")) || bytes.Contains(stored, mediaGPSLatitude) || bytes.Contains(stored, []byte{0xFF, 0xE1}) {
		t.Error("the stored original still carries EXIF or GPS data")
	}
	img, err := jpeg.Decode(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
		t.Fatalf("stored %v, want 20x40", b)
	}
	red := func(c color.Color) bool { r, g, b, _ := c.RGBA(); return r>>8 > 180 && g>>8 < 90 && b>>8 < 90 }
	if !red(img.At(17, 2)) || red(img.At(2, 2)) || red(img.At(2, 37)) {
		t.Errorf("not upright: top-right %v, top-left %v, bottom-left %v", img.At(17, 2), img.At(2, 2), img.At(2, 37))
	}
	preview := mediaFetch(t, in, att.PreviewURL, "image/jpeg")
	if bytes.Contains(preview, mediaGPSLatitude) {
		t.Error("the preview carries GPS data")
	}

	// go-mastodon's UploadMedia from a file on disk.
	p := filepath.Join(t.TempDir(), "photo.png")
	os.WriteFile(p, mediaAlphaPNG(t), 0o600)
	att2, err := c.masto().UploadMedia(acctCtx, p)
	if err != nil || att2.Type != "image" || att2.Meta.Original.Width != 30 {
		t.Fatalf("UploadMedia: %+v %v", att2, err)
	}
	if att2.ID == att.ID {
		t.Error("two uploads with one id")
	}
}

func TestMediaUploadKinds(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)

	// PNG with alpha: kept as PNG, transparency intact (v1).
	code, m, body := mediaUpload(c, "v1", mediaAlphaPNG(t), map[string]string{"description": "half transparent"})
	if code != 200 {
		t.Fatalf("PNG: %d %s", code, body)
	}
	mediaCheckEntity(t, m, "image")
	img, err := png.Decode(bytes.NewReader(mediaFetch(t, in, m["url"].(string), "image/png")))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := img.At(5, 5).RGBA(); a != 0 {
		t.Errorf("transparent pixel has alpha %d", a)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a>>8 < 120 || a>>8 > 136 {
		t.Errorf("half-transparent pixel has alpha %d", a>>8)
	}
	mediaFetch(t, in, m["preview_url"].(string), "image/png")

	// GIF: stays an animated GIF (v2).
	code, m, body = mediaUpload(c, "v2", mediaGIF(t), nil)
	if code != 200 {
		t.Fatalf("GIF: %d %s", code, body)
	}
	mediaCheckEntity(t, m, "image")
	anim, err := gif.DecodeAll(bytes.NewReader(mediaFetch(t, in, m["url"].(string), "image/gif")))
	if err != nil || len(anim.Image) != 2 {
		t.Errorf("stored GIF: %v frames, %v", len(anim.Image), err)
	}
	if meta := m["meta"].(map[string]any); meta["original"].(map[string]any)["width"] != 12.0 {
		t.Errorf("GIF meta %v", meta)
	}

	// Video: stored as uploaded, type from the bytes; a thumbnail becomes
	// its preview and gives it a blurhash.
	mp4 := mediaMP4(4096)
	code, m, body = mediaUpload(c, "v2", mp4, nil)
	if code != 200 || m["type"] != "video" {
		t.Fatalf("MP4: %d %s", code, body)
	}
	mediaCheckEntity(t, m, "video")
	if m["preview_url"] != nil {
		t.Errorf("a video without thumbnail has the preview %v", m["preview_url"])
	}
	if got := mediaFetch(t, in, m["url"].(string), "video/mp4"); !bytes.Equal(got, mp4) {
		t.Error("the video was changed")
	}
	form := acctForm{fields: map[string]string{"description": "a clip"}, files: map[string][]byte{"file": mp4, "thumbnail": mediaNoisePNG(t, 64, 48)}}
	m = c.obj("POST", "/api/v2/media", form)
	if m["type"] != "video" || m["blurhash"] == nil || m["preview_url"] == m["url"] {
		t.Errorf("video with thumbnail %v", m)
	}
	if small := m["meta"].(map[string]any)["small"].(map[string]any); small["width"] != 64.0 {
		t.Errorf("thumbnail size %v", small)
	}
	mediaFetch(t, in, m["preview_url"].(string), "image/jpeg")

	// Audio.
	code, m, body = mediaUpload(c, "v1", mediaMP3(2048), nil)
	if code != 200 || m["type"] != "audio" {
		t.Fatalf("MP3: %d %s", code, body)
	}
	mediaFetch(t, in, m["url"].(string), "audio/mpeg")
}

// Refused uploads answer 422 naming the field and store nothing.
func TestMediaUploadRefused(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	cases := []struct {
		name    string
		version string
		body    any
		status  int
		mention string
	}{
		{"text file", "v1", acctForm{files: map[string][]byte{"file": []byte("just some text\n")}}, 422, "file"},
		{"svg", "v2", acctForm{files: map[string][]byte{"file": svg}}, 422, "file"},
		{"html", "v2", acctForm{files: map[string][]byte{"file": html}}, 422, "file"},
		{"empty file", "v2", acctForm{files: map[string][]byte{"file": {}}}, 422, "file"},
		{"damaged png", "v1", acctForm{files: map[string][]byte{"file": mediaAlphaPNG(t)[:60]}}, 422, "file"},
		{"no file", "v2", acctForm{fields: map[string]string{"description": "x"}}, 422, "file"},
		{"no file, form body", "v1", url.Values{"description": {"x"}}, 422, "file"},
		{"description too long", "v2", acctForm{fields: map[string]string{"description": strings.Repeat("é", 1501)}, files: map[string][]byte{"file": mediaAlphaPNG(t)}}, 422, "description"},
		{"bad focus", "v2", acctForm{fields: map[string]string{"focus": "left"}, files: map[string][]byte{"file": mediaAlphaPNG(t)}}, 422, "focus"},
		{"thumbnail not an image", "v2", acctForm{files: map[string][]byte{"file": mediaMP4(2048), "thumbnail": mediaMP3(1024)}}, 422, "thumbnail"},
		{"thumbnail text", "v2", acctForm{files: map[string][]byte{"file": mediaMP4(2048), "thumbnail": []byte("hello")}}, 422, "thumbnail"},
		{"malformed JSON", "v1", acctJSON(`{"description":`), 400, "JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acctAs(t, in, alice).fails("POST", "/api/"+tc.version+"/media", tc.body, tc.status, tc.mention)
		})
	}
	if n := acctMediaFiles(t, in); n != 0 {
		t.Errorf("%d files stored by refused uploads", n)
	}
	if n := mediaRows(t, in, alice); n != 0 {
		t.Errorf("%d attachments recorded by refused uploads", n)
	}

	// Scopes: write:media (or write) is needed, even to read one back.
	png := mediaAlphaPNG(t)
	form := acctForm{files: map[string][]byte{"file": png}}
	acctAs(t, in, nil).fails("POST", "/api/v2/media", form, 401, "token")
	acctAs(t, in, acctToken(t, in, alice, "read")).fails("POST", "/api/v2/media", form, 403, "scope")
	m := acctAs(t, in, acctToken(t, in, alice, "write:media")).obj("POST", "/api/v1/media", form)
	acctAs(t, in, acctToken(t, in, alice, "read")).fails("GET", "/api/v1/media/"+m["id"].(string), nil, 403, "scope")
	acctAs(t, in, nil).fails("GET", "/api/v1/media/"+m["id"].(string), nil, 401, "token")
	_ = c
}

// Over the configured size or pixel limit: 422; over max_request_bytes: 413.
func TestMediaUploadLimits(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(cfg *config.Config) {
		cfg.MaxRequestBytes = 300 << 10
		cfg.MediaMaxImageBytes = 40 << 10
		cfg.MediaMaxVideoBytes = 60 << 10
		cfg.MediaMaxImagePixels = 150 * 150
	}})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	big := mediaNoisePNG(t, 140, 140) // 19600 pixels, about 60 KB
	if len(big) < 41<<10 || len(big) > 250<<10 {
		t.Fatalf("fixture of %d bytes", len(big))
	}
	solid := func(w, h int) []byte {
		var buf bytes.Buffer
		png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)))
		return buf.Bytes()
	}
	cases := []struct {
		name    string
		file    []byte
		status  int
		mention string
	}{
		{"image over the byte limit", big, 422, "file"},
		{"image over the pixel limit", solid(200, 200), 422, "pixels"},
		{"video over the byte limit", mediaMP4(61 << 10), 422, "file"},
		{"over max_request_bytes", mediaMP4(301 << 10), 413, "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.fails("POST", "/api/v2/media", acctForm{files: map[string][]byte{"file": tc.file}}, tc.status, tc.mention)
		})
	}
	if code, _, body := mediaUpload(c, "v2", solid(150, 150), nil); code != 200 {
		t.Errorf("at the pixel limit: %d %s", code, body)
	}
	if code, _, body := mediaUpload(c, "v2", mediaMP4(59<<10), nil); code != 200 {
		t.Errorf("video under the limit: %d %s", code, body)
	}
	if n := mediaRows(t, in, alice); n != 2 {
		t.Errorf("%d attachments, want the 2 accepted", n)
	}
}

func TestMediaUpdateGetDelete(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	c := acctAs(t, in, alice)
	m := c.obj("POST", "/api/v2/media", acctForm{files: map[string][]byte{"file": mediaJPEG(t)}})
	id := m["id"].(string)
	if m["description"] != nil || m["meta"].(map[string]any)["focus"] != nil {
		t.Errorf("fresh upload %v", m)
	}

	// PUT: form, then JSON; unsent fields stay.
	m = c.obj("PUT", "/api/v1/media/"+id, url.Values{"description": {"Alt text"}, "focus": {"-0.5,1"}})
	if m["description"] != "Alt text" || fmt.Sprint(m["meta"].(map[string]any)["focus"]) != "map[x:-0.5 y:1]" {
		t.Errorf("after PUT %v", m)
	}
	m = c.obj("PUT", "/api/v1/media/"+id, acctJSON(`{"focus":"2,-3"}`))
	if m["description"] != "Alt text" || fmt.Sprint(m["meta"].(map[string]any)["focus"]) != "map[x:1 y:-1]" {
		t.Errorf("focus is clamped, description kept: %v", m)
	}
	c.fails("PUT", "/api/v1/media/"+id, url.Values{"description": {strings.Repeat("x", 1501)}}, 422, "description")
	c.fails("PUT", "/api/v1/media/"+id, url.Values{"focus": {"1;2"}}, 422, "focus")
	if got := c.obj("GET", "/api/v1/media/"+id, nil); got["description"] != "Alt text" {
		t.Errorf("a refused PUT changed %v", got)
	}
	// A new thumbnail replaces the preview file.
	before := c.obj("GET", "/api/v1/media/"+id, nil)["preview_url"].(string)
	m = c.obj("PUT", "/api/v1/media/"+id, acctForm{files: map[string][]byte{"thumbnail": mediaNoisePNG(t, 32, 32)}})
	if m["preview_url"] == before {
		t.Error("the thumbnail did not change the preview")
	}
	if resp, _ := in.Get(before); resp.StatusCode != 404 {
		t.Errorf("the old preview is still served: %d", resp.StatusCode)
	}

	// Nobody else sees or touches it; unknown and malformed IDs are 404.
	b := acctAs(t, in, bob)
	b.fails("GET", "/api/v1/media/"+id, nil, 404, "not found")
	b.fails("PUT", "/api/v1/media/"+id, url.Values{"description": {"mine"}}, 404, "not found")
	b.fails("DELETE", "/api/v1/media/"+id, nil, 404, "not found")
	c.fails("GET", "/api/v1/media/99999999999", nil, 404, "not found")
	c.fails("GET", "/api/v1/media/abc", nil, 404, "not found")
	if got := c.obj("GET", "/api/v1/media/"+id, nil); got["description"] != "Alt text" {
		t.Errorf("bob changed it: %v", got)
	}

	// Attached: described still (the owner's), never deleted.
	s, err := in.Engine().PublishStatus(acctCtx, alice.Account, activitypub.PostParams{Text: "look", MediaIDs: []int64{mustID(t, id)}})
	if err != nil {
		t.Fatal(err)
	}
	c.fails("DELETE", "/api/v1/media/"+id, nil, 422, "used by a status")
	m = c.obj("PUT", "/api/v1/media/"+id, url.Values{"description": {"Better alt text"}})
	if m["description"] != "Better alt text" {
		t.Errorf("PUT of attached media %v", m)
	}
	if list, _ := in.DB.StatusMedia(acctCtx, s.ID); len(list) != 1 || list[0].Description != "Better alt text" {
		t.Errorf("status media %+v", list)
	}
	mediaFetch(t, in, m["url"].(string), "image/jpeg")

	// Unattached: DELETE answers {} and removes the row and the files.
	m = c.obj("POST", "/api/v1/media", acctForm{files: map[string][]byte{"file": mediaAlphaPNG(t)}})
	id2 := m["id"].(string)
	if got := c.obj("DELETE", "/api/v1/media/"+id2, nil); len(got) != 0 {
		t.Errorf("DELETE answered %v", got)
	}
	c.fails("GET", "/api/v1/media/"+id2, nil, 404, "not found")
	for _, k := range []string{"url", "preview_url"} {
		if resp, _ := in.Get(m[k].(string)); resp.StatusCode != 404 {
			t.Errorf("%s still served after DELETE: %d", k, resp.StatusCode)
		}
	}
	c.fails("DELETE", "/api/v1/media/"+id2, nil, 404, "not found")

	// Avatars are not attachments: neither readable nor deletable here.
	v := c.obj("PATCH", "/api/v1/accounts/update_credentials", acctForm{files: map[string][]byte{"avatar": acctPNG(t, 20, 20)}})
	acct, _ := in.DB.AccountByID(acctCtx, alice.Account.ID)
	if acct.AvatarMediaID == nil {
		t.Fatal("no avatar")
	}
	avatarID := db.FormatID(*acct.AvatarMediaID)
	c.fails("GET", "/api/v1/media/"+avatarID, nil, 404, "not found")
	c.fails("DELETE", "/api/v1/media/"+avatarID, nil, 404, "not found")
	mediaFetch(t, in, v["avatar"].(string), "image/png")
	if _, err := in.Engine().PublishStatus(acctCtx, acct, activitypub.PostParams{Text: "my face", MediaIDs: []int64{*acct.AvatarMediaID}}); err == nil {
		t.Error("the avatar was attached to a status")
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, ok := db.ParseID(s)
	if !ok {
		t.Fatalf("bad id %q", s)
	}
	return id
}

// A status with media renders its attachments in the API and as
// ActivityPub attachments with everything peers read.
func TestMediaInStatus(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	a := c.obj("POST", "/api/v2/media", acctForm{fields: map[string]string{"description": "first", "focus": "0.25,0.75"}, files: map[string][]byte{"file": mediaJPEG(t)}})
	b := c.obj("POST", "/api/v1/media", acctForm{fields: map[string]string{"description": "second"}, files: map[string][]byte{"file": mediaAlphaPNG(t)}})
	s := in.Post(alice, activitypub.PostParams{Text: "two pictures", MediaIDs: []int64{mustID(t, b["id"].(string)), mustID(t, a["id"].(string))}})

	list := c.list("/api/v1/accounts/" + acctID(alice) + "/statuses")
	if len(list) != 1 {
		t.Fatalf("%d statuses", len(list))
	}
	atts := list[0].(map[string]any)["media_attachments"].([]any)
	if len(atts) != 2 {
		t.Fatalf("media_attachments %v", atts)
	}
	first, second := atts[0].(map[string]any), atts[1].(map[string]any)
	if first["id"] != b["id"] || second["id"] != a["id"] {
		t.Errorf("order %v, %v", first["id"], second["id"])
	}
	for i, att := range []map[string]any{first, second} {
		mediaCheckEntity(t, att, "image")
		want := []map[string]any{b, a}[i]
		for _, k := range []string{"url", "preview_url", "blurhash", "description"} {
			if att[k] != want[k] {
				t.Errorf("%s %v, want %v", k, att[k], want[k])
			}
		}
		if meta := att["meta"].(map[string]any); meta["original"] == nil || meta["small"] == nil {
			t.Errorf("meta %v", meta)
		}
	}
	if f := fmt.Sprint(second["meta"].(map[string]any)["focus"]); f != "map[x:0.25 y:0.75]" {
		t.Errorf("focus %s", f)
	}
	statuses, err := c.masto().GetAccountStatuses(acctCtx, mastodon.ID(acctID(alice)), nil)
	if err != nil || len(statuses) != 1 || len(statuses[0].MediaAttachments) != 2 || statuses[0].MediaAttachments[1].Meta.Original.Width != 20 {
		t.Errorf("go-mastodon: %v %v", statuses, err)
	}

	// The Note.
	resp, body := in.Get(s.URI, "Accept: application/activity+json")
	if resp.StatusCode != 200 {
		t.Fatalf("GET note: %d", resp.StatusCode)
	}
	var note struct {
		Attachment []struct {
			Type, MediaType, URL, Name, Blurhash string
			Width, Height                        int
			FocalPoint                           []float64
		}
	}
	if err := json.Unmarshal(body, &note); err != nil {
		t.Fatal(err)
	}
	if len(note.Attachment) != 2 {
		t.Fatalf("attachments %s", body)
	}
	n := note.Attachment[1]
	if n.Type != "Image" || n.MediaType != "image/jpeg" || n.URL != a["url"] || n.Name != "first" || n.Blurhash != a["blurhash"] ||
		n.Width != 20 || n.Height != 40 || fmt.Sprint(n.FocalPoint) != "[0.25 0.75]" {
		t.Errorf("attachment %+v", n)
	}
	if note.Attachment[0].MediaType != "image/png" || note.Attachment[0].Name != "second" {
		t.Errorf("attachment %+v", note.Attachment[0])
	}
	_ = http.StatusOK
}
