package api_test

import (
	"bytes"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// alice on A posts a photo with alt text and a focal point; bob on B
// follows her. B records the attachment with everything A sent and its
// remote URL, then (media_cache_remote) copies the file in the background
// and serves the copy, keeping the remote URL.
func TestMediaFederatesAndIsCached(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{Configure: func(cfg *config.Config) { cfg.MediaCacheRemote = true }})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	b.Follow(bob, a, alice)

	up := acctAs(t, a, alice).obj("POST", "/api/v2/media", acctForm{
		fields: map[string]string{"description": "A red square", "focus": "0.5,-0.25"},
		files:  map[string][]byte{"file": mediaJPEG(t)},
	})
	s := a.Post(alice, activitypub.PostParams{Text: "a photo", MediaIDs: []int64{mustID(t, up["id"].(string))}})
	copyOnB := b.WaitStatus(s.URI)

	list, err := b.DB.StatusMedia(acctCtx, copyOnB.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("B's attachments: %v %v", list, err)
	}
	m := list[0]
	if m.RemoteURL != up["url"] || m.Description != "A red square" || m.Blurhash != up["blurhash"] || m.Kind != "image" ||
		m.ContentType != "image/jpeg" || m.Meta.Original == nil || m.Meta.Original.Width != 20 || m.Meta.Original.Height != 40 ||
		m.Meta.Focus == nil || m.Meta.Focus.X != 0.5 || m.Meta.Focus.Y != -0.25 {
		t.Errorf("B recorded %+v (meta %+v)", m, m.Meta)
	}

	var cached *db.MediaAttachment
	kontortest.Eventually(t, kontortest.Wait, "B to copy the attachment", func() bool {
		list, err := b.DB.StatusMedia(acctCtx, copyOnB.ID)
		if err == nil && len(list) == 1 && list[0].FileKey != "" {
			cached = list[0]
			return true
		}
		return false
	})
	if cached.RemoteURL != up["url"] || cached.CachedAt == nil || cached.PreviewKey == "" || cached.Description != "A red square" {
		t.Errorf("cached %+v", cached)
	}

	// B's API shows the copy and the remote URL.
	remote := b.RemoteAccount(alice, a)
	statuses := acctAs(t, b, bob).list("/api/v1/accounts/" + db.FormatID(remote.ID) + "/statuses")
	if len(statuses) != 1 {
		t.Fatalf("B shows %d statuses", len(statuses))
	}
	att := statuses[0].(map[string]any)["media_attachments"].([]any)[0].(map[string]any)
	if u, _ := att["url"].(string); !strings.HasPrefix(u, b.URL+"/media/remote/") || att["remote_url"] != up["url"] ||
		att["description"] != "A red square" || att["blurhash"] != up["blurhash"] {
		t.Errorf("B renders %v", att)
	}
	img, err := jpeg.Decode(bytes.NewReader(mediaFetch(t, b, att["url"].(string), "image/jpeg")))
	if err != nil || img.Bounds().Dx() != 20 || img.Bounds().Dy() != 40 {
		t.Errorf("B's copy: %v %v", img.Bounds(), err)
	}
	mediaFetch(t, b, att["preview_url"].(string), "image/jpeg")
}
