package mediacache_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A domain block with reject_media (severity noop: posts still arrive)
// keeps the attachments of its accounts from ever being fetched (they are
// links of unknown kind, as on Mastodon); another server's are copied.
func TestRejectMediaIsNeverFetched(t *testing.T) {
	var photo bytes.Buffer
	jpeg.Encode(&photo, image.NewRGBA(image.Rect(0, 0, 20, 20)), nil)
	var mu sync.Mutex
	fetched := map[string]int{}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched[r.URL.Path]++
		mu.Unlock()
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(photo.Bytes())
	}))
	defer files.Close()

	in := kontortest.Start(t, kontortest.Options{Configure: func(cfg *config.Config) { cfg.MediaCacheRemote = true }})
	alice := in.CreateUser("alice")
	rejected, welcome := kontortest.NewFakeServer(t), kontortest.NewFakeServer(t)
	if err := in.DB.PutDomainBlock(ctx, &db.DomainBlock{Domain: rejected.Host, Severity: "noop", RejectMedia: true}); err != nil {
		t.Fatal(err)
	}
	post := func(fake *kontortest.FakeServer, path string) *db.Status {
		t.Helper()
		actor := fake.Actor("carol")
		note := actor.Note("1", "<p>look @alice</p>", map[string]any{"to": []any{alice.Account.URI}, "cc": []any{},
			"attachment": []any{map[string]any{"type": "Document", "mediaType": "image/jpeg", "url": files.URL + path}}})
		if code, body := actor.SignedPost(in.URL+"/inbox", actor.Activity("Create", "create/1", note, map[string]any{"to": []any{alice.Account.URI}})); code != http.StatusAccepted {
			t.Fatalf("inbox: %d %s", code, body)
		}
		var status *db.Status
		kontortest.Eventually(t, kontortest.Wait, "the post to arrive", func() bool {
			status = in.StatusByURI(note["id"].(string))
			return status != nil
		})
		return status
	}
	blockedPost, welcomePost := post(rejected, "/rejected.jpg"), post(welcome, "/welcome.jpg")
	if _, err := in.Server.RemoteMedia.CacheNew(ctx); err != nil { // after any run already going
		t.Fatal(err)
	}
	if list, err := in.DB.StatusMedia(ctx, welcomePost.ID); err != nil || len(list) != 1 || list[0].FileKey == "" {
		t.Fatalf("the other server's attachment was not copied: %v %+v", err, list)
	}
	list, err := in.DB.StatusMedia(ctx, blockedPost.ID)
	if err != nil || len(list) != 1 || list[0].FileKey != "" || list[0].RemoteURL != files.URL+"/rejected.jpg" || list[0].Kind != "unknown" {
		t.Errorf("the rejected attachment: %v %+v", err, list)
	}
	mu.Lock()
	defer mu.Unlock()
	if fetched["/rejected.jpg"] != 0 || fetched["/welcome.jpg"] != 1 {
		t.Errorf("fetched %v", fetched)
	}
}
