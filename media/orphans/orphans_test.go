package orphans_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/media/orphans"
)

var ctx = context.Background()

// upload posts a small PNG through the API and returns the attachment's
// id, url and preview_url.
func upload(t *testing.T, in *kontortest.Instance, u *kontortest.User, w int) (int64, string, string) {
	t.Helper()
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, w, 10)))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "x.png")
	fw.Write(img.Bytes())
	mw.Close()
	resp, out := in.Do("POST", "/api/v2/media", body.Bytes(), "Authorization: Bearer "+u.Token, "Content-Type: "+mw.FormDataContentType())
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, out)
	}
	var m struct{ ID, URL, PreviewURL string }
	var raw map[string]any
	json.Unmarshal(out, &raw)
	m.ID, m.URL, m.PreviewURL = raw["id"].(string), raw["url"].(string), raw["preview_url"].(string)
	id, _ := db.ParseID(m.ID)
	return id, m.URL, m.PreviewURL
}

func served(t *testing.T, in *kontortest.Instance, urls ...string) bool {
	t.Helper()
	for _, u := range urls {
		if resp, _ := in.Get(u); resp.StatusCode != 200 {
			return false
		}
	}
	return true
}

// Uploads never posted and media of deleted statuses go a day after their
// last change, rows and files; attached, scheduled and profile images stay.
func TestSweepRemovesOnlyOrphans(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")

	orphan, orphanURL, orphanPreview := upload(t, in, alice, 10)
	attached, attachedURL, _ := upload(t, in, alice, 11)
	scheduled, scheduledURL, _ := upload(t, in, alice, 12)
	redraft, redraftURL, _ := upload(t, in, alice, 13)
	if _, err := in.Engine().PublishStatus(ctx, alice.Account, activitypub.PostParams{Text: "kept", MediaIDs: []int64{attached}}); err != nil {
		t.Fatal(err)
	}
	if err := in.DB.AttachMediaToScheduled(ctx, alice.Account.ID, in.DB.NewID(), []int64{scheduled}); err != nil {
		t.Fatal(err)
	}
	gone, err := in.Engine().PublishStatus(ctx, alice.Account, activitypub.PostParams{Text: "deleted", MediaIDs: []int64{redraft}})
	if err != nil {
		t.Fatal(err)
	}
	// alice's avatar is an attachment row of no status, too.
	var avatar bytes.Buffer
	png.Encode(&avatar, image.NewGray(image.Rect(0, 0, 8, 8)))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("avatar", "a.png")
	fw.Write(avatar.Bytes())
	mw.Close()
	if resp, out := in.Do("PATCH", "/api/v1/accounts/update_credentials", body.Bytes(), "Authorization: Bearer "+alice.Token, "Content-Type: "+mw.FormDataContentType()); resp.StatusCode != 200 {
		t.Fatalf("avatar: %d %s", resp.StatusCode, out)
	}
	acct, _ := in.DB.AccountByID(ctx, alice.Account.ID)

	uploaded := time.Now()
	clock := uploaded
	s := orphans.New(orphans.Options{DB: in.DB, Store: in.Server.Media, Now: func() time.Time { return clock }})
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("a fresh upload was swept: %d %v", n, err)
	}

	// The status is deleted a little after the uploads (for the test, 1.5 s
	// stand for hours): its media get a day from the delete, not from the upload.
	time.Sleep(1500 * time.Millisecond)
	deleted := time.Now()
	if _, err := in.Engine().DeleteStatus(ctx, alice.Account, gone.ID); err != nil {
		t.Fatal(err)
	}
	clock = uploaded.Add(24*time.Hour + 500*time.Millisecond)
	n, err := s.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("swept %d (%v), want the one upload never posted", n, err)
	}
	if _, err := in.DB.MediaByID(ctx, orphan); err == nil {
		t.Error("the orphan's row is still there")
	}
	for _, u := range []string{orphanURL, orphanPreview} {
		if resp, _ := in.Get(u); resp.StatusCode != 404 {
			t.Errorf("%s still served: %d", u, resp.StatusCode)
		}
	}
	if !served(t, in, attachedURL, scheduledURL, redraftURL) {
		t.Error("files of kept attachments were removed")
	}

	// A day after the delete, the deleted status's media go too.
	clock = deleted.Add(24*time.Hour + time.Second)
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("swept %d (%v), want the deleted status's attachment", n, err)
	}
	if served(t, in, redraftURL) {
		t.Error("the deleted status's file is still served")
	}
	clock = clock.Add(30 * 24 * time.Hour)
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("swept %d (%v) more", n, err)
	}
	for _, id := range []int64{attached, scheduled, *acct.AvatarMediaID} {
		if _, err := in.DB.MediaByID(ctx, id); err != nil {
			t.Errorf("attachment %d was swept: %v", id, err)
		}
	}
	if !served(t, in, attachedURL, scheduledURL) {
		t.Error("kept files were removed")
	}
	v, _ := in.Get("/api/v1/accounts/verify_credentials", "Authorization: Bearer "+alice.Token)
	if v.StatusCode != 200 {
		t.Fatal(v.StatusCode)
	}
}
