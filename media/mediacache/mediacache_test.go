package mediacache_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/media/mediacache"
)

var ctx = context.Background()

func noise(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// A remote post arrives with four attachments: a photo (copied), a text
// file that claims to be a PNG, an image over media_remote_max_bytes and a
// URL that answers 404 (none of them copied; they keep rendering from their
// remote URLs). Prune then removes the copy but keeps the attachment.
func TestRemoteMediaCacheAndPrune(t *testing.T) {
	var photo bytes.Buffer
	small := image.NewRGBA(image.Rect(0, 0, 30, 20))
	for i := range small.Pix {
		small.Pix[i] = 200
	}
	small.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	jpeg.Encode(&photo, small, nil)
	var big bytes.Buffer
	png.Encode(&big, noise(100, 100)) // ~30 KB
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/photo":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(photo.Bytes())
		case "/lies.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"))
		case "/big.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(big.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	defer files.Close()

	in := kontortest.Start(t, kontortest.Options{Configure: func(cfg *config.Config) {
		cfg.MediaCacheRemote = true
		cfg.MediaRemoteMaxBytes = 20 << 10
	}})
	if in.Server.RemoteMedia == nil {
		t.Fatal("media_cache_remote is on but there is no cache")
	}
	alice := in.CreateUser("alice")
	fake := kontortest.NewFakeServer(t)
	carol := fake.Actor("carol")
	doc := func(path, mediaType string) map[string]any {
		return map[string]any{"type": "Document", "mediaType": mediaType, "url": files.URL + path, "name": "alt " + path}
	}
	note := carol.Note("1", "<p>hello @alice</p>", map[string]any{
		"to": []any{alice.Account.URI}, "cc": []any{},
		"attachment": []any{doc("/photo", "image/jpeg"), doc("/lies.png", "image/png"), doc("/big.png", "image/png"), doc("/missing.jpg", "image/jpeg")},
	})
	if code, body := carol.SignedPost(in.URL+"/inbox", carol.Activity("Create", "create/1", note, map[string]any{"to": []any{alice.Account.URI}})); code != http.StatusAccepted {
		t.Fatalf("inbox: %d %s", code, body)
	}
	var status *db.Status
	kontortest.Eventually(t, kontortest.Wait, "the post to arrive", func() bool {
		status = in.StatusByURI(note["id"].(string))
		return status != nil
	})
	var list []*db.MediaAttachment
	kontortest.Eventually(t, kontortest.Wait, "every attachment to be tried", func() bool {
		var err error
		list, err = in.DB.StatusMedia(ctx, status.ID)
		if err != nil || len(list) != 4 {
			return false
		}
		for _, m := range list {
			if m.CachedAt == nil {
				return false
			}
		}
		return true
	})
	got := list[0]
	if got.FileKey == "" || got.PreviewKey == "" || got.RemoteURL != files.URL+"/photo" || got.ContentType != "image/jpeg" ||
		got.Meta.Original == nil || got.Meta.Original.Width != 30 || got.Blurhash == "" || got.Description != "alt /photo" {
		t.Fatalf("the photo's copy: %+v", got)
	}
	rc, info, err := in.Server.Media.Open(ctx, got.FileKey)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if info.ContentType != "image/jpeg" || info.Size != got.FileSize {
		t.Errorf("stored copy %+v", info)
	}
	for _, m := range list[1:] {
		if m.FileKey != "" || m.PreviewKey != "" || m.RemoteURL == "" {
			t.Errorf("%s was copied: %+v", m.RemoteURL, m)
		}
	}
	if resp, _ := in.Get(in.Engine().MediaURL(got)); resp.StatusCode != 200 {
		t.Errorf("the copy is not served: %d", resp.StatusCode)
	}

	// Nothing is tried twice.
	if n, err := in.Server.RemoteMedia.CacheNew(ctx); err != nil || n != 0 {
		t.Errorf("second pass stored %d (%v)", n, err)
	}

	// Prune: copies made before an hour ago: none; before now: the photo's.
	res, err := mediacache.Prune(ctx, in.DB, in.Server.Media, time.Now().Add(-time.Hour), nil)
	if err != nil || res.Attachments != 0 {
		t.Fatalf("pruned %+v (%v), want nothing", res, err)
	}
	var calls []int64
	res, err = mediacache.Prune(ctx, in.DB, in.Server.Media, time.Now().Add(time.Minute), func(done, total int64) { calls = append(calls, done, total) })
	if err != nil || res.Attachments != 1 || res.Files != 2 || res.Bytes != got.FileSize {
		t.Fatalf("pruned %+v (%v)", res, err)
	}
	if len(calls) != 2 || calls[0] != 1 || calls[1] != 1 {
		t.Errorf("progress calls %v", calls)
	}
	after, err := in.DB.MediaByID(ctx, got.ID)
	if err != nil || after.FileKey != "" || after.PreviewKey != "" || after.RemoteURL != files.URL+"/photo" || after.Description != "alt /photo" {
		t.Errorf("after prune %+v %v", after, err)
	}
	if u := in.Engine().MediaURL(after); u != files.URL+"/photo" {
		t.Errorf("a pruned attachment renders %s", u)
	}
	if _, _, err := in.Server.Media.Open(ctx, got.FileKey); err == nil {
		t.Error("the pruned file is still stored")
	}
	if n, err := in.Server.RemoteMedia.CacheNew(ctx); err != nil || n != 0 {
		t.Errorf("a pruned copy was made again: %d (%v)", n, err)
	}
}
