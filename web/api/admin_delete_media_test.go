package api_test

import (
	"encoding/base64"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Removing a suspended local account's data removes its files from the
// media store too: a posted image, an unposted upload, the avatar.
func TestAdminDeleteAccountRemovesMediaFiles(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	admin := adStaff(t, in, "boss", "admin")
	carol, bob := in.CreateUser("carol"), in.CreateUser("bob")
	bc := acctAs(t, in, bob)
	if code, _, body := mediaUpload(bc, "v1", acctPNG(t, 20, 20), nil); code != 200 {
		t.Fatalf("bob's upload: %d %s", code, body)
	}
	bobFiles := acctMediaFiles(t, in)

	c := acctAs(t, in, carol)
	avatar := "data:image/png;base64," + base64.StdEncoding.EncodeToString(acctPNG(t, 48, 48))
	if _, err := c.masto().AccountUpdate(acctCtx, &mastodon.Profile{Avatar: avatar}); err != nil {
		t.Fatal(err)
	}
	code, m, body := mediaUpload(c, "v1", acctPNG(t, 30, 30), nil)
	if code != 200 {
		t.Fatalf("upload: %d %s", code, body)
	}
	stPost(t, in, carol, map[string]any{"status": "with a picture", "media_ids": []string{m["id"].(string)}})
	if code, _, body := mediaUpload(c, "v1", acctPNG(t, 25, 25), nil); code != 200 {
		t.Fatalf("unposted upload: %d %s", code, body)
	}
	if n := acctMediaFiles(t, in); n <= bobFiles+3 {
		t.Fatalf("%d files before the deletion, bob's %d", n, bobFiles)
	}

	path := "/api/v1/admin/accounts/" + db.FormatID(carol.Account.ID)
	adStatus(t, in, 200, "POST", path+"/action", admin.Token, map[string]any{"type": "suspend"})
	adStatus(t, in, 200, "DELETE", path, admin.Token, nil)
	if n := acctMediaFiles(t, in); n != bobFiles {
		t.Errorf("%d files after the deletion, want bob's %d", n, bobFiles)
	}
}
