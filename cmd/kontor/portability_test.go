package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice's follows go out through `kontor admin export` and into carol's
// account through `kontor admin import`, on a running instance.
func TestExportImportCLI(t *testing.T) {
	ctx := context.Background()
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, dave := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("dave")
	carol := in.CreateUser("carol")
	if _, err := in.Engine().Follow(ctx, alice.Account, bob.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Engine().Follow(ctx, carol.Account, dave.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	c := cliFor(t, in)
	want := "Account address,Show boosts,Notify on new posts,Languages\n" + bob.Handle + ",true,false,\n"
	if out := c.mustRun("admin", "export", "follows", "--username", "alice"); out != want {
		t.Fatalf("export to stdout: %q, want %q", out, want)
	}
	file := filepath.Join(t.TempDir(), "following_accounts.csv")
	c.mustRun("admin", "export", "follows", "--username", "@alice", "--out", file)
	data, err := os.ReadFile(file)
	if err != nil || string(data) != want {
		t.Fatalf("export to file: %q, %v", data, err)
	}
	if err := os.WriteFile(file, append(data, "ghost@"+in.Host+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}

	// The file before --mode; the unknown account fails alone (exit 1).
	code, out, errOut := c.run("", "admin", "import", "follows", "--username", "carol", file, "--mode", "overwrite")
	if code != exitError || !strings.Contains(out, "imported follows for @carol (overwrite): 1 of 2 rows done, 1 failed, 1 removed") ||
		!strings.Contains(out, "line 3: ghost@"+in.Host+": no such account") || !strings.Contains(errOut, "1 of 2 rows failed") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if f, err := in.DB.FollowBetween(ctx, carol.Account.ID, bob.Account.ID); err != nil || !f.Accepted {
		t.Fatalf("carol does not follow bob: %+v %v", f, err)
	}
	if _, err := in.DB.FollowBetween(ctx, carol.Account.ID, dave.Account.ID); err == nil {
		t.Fatal("overwrite kept carol's follow of dave")
	}
	// Standard input, merge.
	code, out, _ = c.run("spam.example\n", "admin", "import", "domain-blocks", "--username", "carol", "-")
	if code != 0 || !strings.Contains(out, "1 of 1 rows done, 0 failed") {
		t.Fatalf("import from stdin: exit %d %s", code, out)
	}

	for _, args := range [][]string{
		{"admin", "import", "follows", file},
		{"admin", "import", "follows", "--username", "carol"},
		{"admin", "import", "follows", "--username", "carol", file, "--mode", "replace"},
		{"admin", "export", "follows"},
		{"admin", "export", "friends", "--username", "alice"},
	} {
		if code, _, _ := c.run("", args...); code != exitUsage {
			t.Errorf("kontor %s: exit %d, want %d", strings.Join(args, " "), code, exitUsage)
		}
	}
	if code, _, errOut := c.run("", "admin", "export", "follows", "--username", "nobody"); code != exitError || !strings.Contains(errOut, `no local account "nobody"`) {
		t.Errorf("export of an unknown user: exit %d %s", code, errOut)
	}
}

// uploadPNG uploads a small PNG as u through the API and returns its id.
func uploadPNG(t *testing.T, in *kontortest.Instance, u *kontortest.User) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var pngBuf, body bytes.Buffer
	png.Encode(&pngBuf, img)
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "dot.png")
	fw.Write(pngBuf.Bytes())
	mw.Close()
	resp, out := in.Do("POST", "/api/v2/media", body.Bytes(), "Authorization: Bearer "+u.Token, "Content-Type: "+mw.FormDataContentType())
	var m struct{ ID string }
	if resp.StatusCode != 200 || json.Unmarshal(out, &m) != nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, out)
	}
	return m.ID
}

// `kontor admin archive` writes Mastodon's layout: the actor, the outbox
// with the post (its attachment pointing into the archive) and the boost,
// likes, bookmarks and the media file itself.
func TestArchiveCLI(t *testing.T) {
	ctx := context.Background()
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	mediaID := uploadPNG(t, in, alice)
	id, _ := db.ParseID(mediaID)
	post, err := in.Engine().PublishStatus(ctx, alice.Account, activitypub.PostParams{Text: "with a picture", Visibility: db.Public, MediaIDs: []int64{id}})
	if err != nil {
		t.Fatal(err)
	}
	bobs := in.Post(bob, activitypub.PostParams{Text: "bob's", Visibility: db.Public})
	if _, err := in.Engine().Reblog(ctx, alice.Account, bobs.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Engine().Favourite(ctx, alice.Account, bobs.ID); err != nil {
		t.Fatal(err)
	}
	if err := in.DB.Bookmark(ctx, alice.Account.ID, bobs.ID); err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, env: append(cliFor(t, in).env[:0:0], cliFor(t, in).env...)}
	for i, kv := range c.env { // the instance's media directory, so the files are there
		if strings.HasPrefix(kv, "KONTOR_MEDIA_DIR=") {
			c.env[i] = "KONTOR_MEDIA_DIR=" + in.Config.MediaDir
		}
	}
	file := filepath.Join(t.TempDir(), "alice.zip")
	out := c.mustRun("admin", "archive", "--username", "alice", "--out", file)
	if !strings.Contains(out, "2 posts and boosts, 1 media files, 1 likes, 1 bookmarks") {
		t.Fatalf("archive: %s", out)
	}
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	entries := map[string][]byte{}
	for _, f := range zr.File {
		r, _ := f.Open()
		entries[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	var outbox struct {
		Type         string
		TotalItems   int
		OrderedItems []struct {
			Type   string
			Object json.RawMessage
		}
	}
	if err := json.Unmarshal(entries["outbox.json"], &outbox); err != nil || outbox.Type != "OrderedCollection" || outbox.TotalItems != 2 ||
		len(outbox.OrderedItems) != 2 || outbox.OrderedItems[0].Type != "Create" || outbox.OrderedItems[1].Type != "Announce" {
		t.Fatalf("outbox.json: %v %s", err, entries["outbox.json"])
	}
	var note struct {
		ID         string
		Attachment []struct{ URL string }
	}
	json.Unmarshal(outbox.OrderedItems[0].Object, &note)
	if note.ID != post.URI || len(note.Attachment) != 1 || !strings.HasPrefix(note.Attachment[0].URL, "media_attachments/files/") {
		t.Fatalf("the post in outbox.json: %s", outbox.OrderedItems[0].Object)
	}
	if data := entries[note.Attachment[0].URL]; len(data) == 0 || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("the media file %s is not in the archive (%d bytes)", note.Attachment[0].URL, len(data))
	}
	for name, want := range map[string]string{"likes.json": bobs.URI, "bookmarks.json": bobs.URI} {
		var coll struct {
			TotalItems   int
			OrderedItems []string
		}
		if json.Unmarshal(entries[name], &coll) != nil || coll.TotalItems != 1 || coll.OrderedItems[0] != want {
			t.Errorf("%s: %s", name, entries[name])
		}
	}
	var actor map[string]any
	if json.Unmarshal(entries["actor.json"], &actor) != nil || actor["id"] != alice.Account.URI || actor["outbox"] != "outbox.json" {
		t.Errorf("actor.json: %s", entries["actor.json"])
	}
	if code, _, _ := c.run("", "admin", "archive", "--username", "alice"); code != exitUsage {
		t.Errorf("archive without --out: exit %d", code)
	}
}
