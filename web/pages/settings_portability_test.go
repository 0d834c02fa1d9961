package pages_test

import (
	"archive/zip"
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/kontortest"
)

// signedInAt returns a browser where u signed in, coming back to path.
func signedInAt(t *testing.T, in *kontortest.Instance, u *kontortest.User, path string) (*kontortest.Browser, []byte) {
	t.Helper()
	b := kontortest.NewBrowser(t, in.URL)
	resp, page := b.Get(path)
	if resp.Request.URL.Path != "/auth/sign_in" {
		t.Fatalf("%s for a visitor: %d %s", path, resp.StatusCode, resp.Request.URL)
	}
	resp, page = b.Submit(page, "/auth/sign_in", map[string]string{"login": u.Account.Username, "password": u.Password})
	if resp.StatusCode != 200 || resp.Request.URL.Path != path {
		t.Fatalf("after sign-in: %d %s", resp.StatusCode, resp.Request.URL)
	}
	return b, page
}

// upload posts the import form of page as multipart with a file.
func upload(t *testing.T, b *kontortest.Browser, page []byte, fields map[string]string, file string) (*http.Response, []byte) {
	t.Helper()
	v := kontortest.Form(t, page, "/settings/import")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k := range fields {
		v.Set(k, fields[k])
	}
	for k := range v {
		mw.WriteField(k, v.Get(k))
	}
	fw, _ := mw.CreateFormFile("file", "import.csv")
	fw.Write([]byte(file))
	mw.Close()
	req, _ := http.NewRequest("POST", b.Base+"/settings/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.Do(req)
}

// The settings pages: export downloads, an import made in the background
// with its progress and failures, the archive, aliases and a refused move.
func TestPortabilityPages(t *testing.T) {
	ctx := context.Background()
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	if _, err := in.Engine().Follow(ctx, alice.Account, bob.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	b, page := signedInAt(t, in, alice, "/settings/export")
	if !strings.Contains(string(page), `href="/settings/export/following_accounts.csv"`) {
		t.Fatalf("export page:\n%s", page)
	}
	resp, csv := b.Get("/settings/export/following_accounts.csv")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="following_accounts.csv"` ||
		string(csv) != "Account address,Show boosts,Notify on new posts,Languages\n"+bob.Handle+",true,false,\n" {
		t.Fatalf("export download: %d %v %q", resp.StatusCode, resp.Header, csv)
	}
	if resp, _ := b.Get("/settings/export/passwords.csv"); resp.StatusCode != 404 {
		t.Errorf("unknown export: %d", resp.StatusCode)
	}

	// An import, run in the background; the page shows how it went.
	_, page = b.Get("/settings/import")
	resp, page = upload(t, b, page, map[string]string{"type": "blocks", "mode": "merge"}, carol.Handle+"\nnobody@"+in.Host+"\n")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "The import is queued") {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, page)
	}
	kontortest.Eventually(t, kontortest.Wait, "the import to finish", func() bool {
		_, page = b.Get("/settings/import")
		return strings.Contains(string(page), "2 of 2 rows: 1 done, 1 failed")
	})
	if !strings.Contains(string(page), "line 2: nobody@"+in.Host+": no such account") {
		t.Errorf("the failed row is not shown:\n%s", page)
	}
	if blocked, _ := in.DB.IsBlocked(ctx, alice.Account.ID, carol.Account.ID); !blocked {
		t.Error("the import did not block carol")
	}
	resp, page = upload(t, b, page, map[string]string{"type": "passwords"}, "x\n")
	if resp.StatusCode != 422 || !strings.Contains(string(page), "Choose what the file holds") {
		t.Errorf("bad type: %d", resp.StatusCode)
	}
	// Without the CSRF token: refused.
	if resp, _ := b.Post("/settings/archive", url.Values{}); resp.StatusCode != 403 {
		t.Errorf("archive request without CSRF token: %d", resp.StatusCode)
	}

	// The archive: requested, made in the background, downloaded.
	_, page = b.Get("/settings/archive")
	b.Submit(page, "/settings/archive", nil)
	var link string
	kontortest.Eventually(t, kontortest.Wait, "the archive to be ready", func() bool {
		_, page = b.Get("/settings/archive")
		i := strings.Index(string(page), `<a href="/settings/archive/`)
		if i < 0 {
			return false
		}
		link = strings.SplitN(string(page[i+len(`<a href="`):]), `"`, 2)[0]
		return true
	})
	resp, zipData := b.Get(link)
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if resp.StatusCode != 200 || err != nil || len(zr.File) < 4 {
		t.Fatalf("archive download %s: %d %v", link, resp.StatusCode, err)
	}
	other, _ := signedInAt(t, in, bob, "/settings/archive")
	if resp, _ := other.Get(link); resp.StatusCode != 404 {
		t.Errorf("bob downloads alice's archive: %d", resp.StatusCode)
	}

	// Aliases, and a move to an account that does not list this one.
	_, page = b.Get("/settings/migration")
	resp, page = b.Submit(page, "/settings/migration/aliases", map[string]string{"also_known_as_uris": "https://old.example/users/alice\n"})
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Your aliases are saved") {
		t.Fatalf("aliases: %d\n%s", resp.StatusCode, page)
	}
	if a, _ := in.DB.AccountByID(ctx, alice.Account.ID); len(a.AlsoKnownAs) != 1 || a.AlsoKnownAs[0] != "https://old.example/users/alice" {
		t.Errorf("aliases stored: %v", a.AlsoKnownAs)
	}
	resp, page = b.Submit(page, "/settings/migration/move", map[string]string{"moved_to_uri": bob.Account.URI, "password": "wrong"})
	if resp.StatusCode != 422 || !strings.Contains(string(page), "The password is not right") {
		t.Errorf("move with a wrong password: %d", resp.StatusCode)
	}
	resp, page = b.Submit(page, "/settings/migration/move", map[string]string{"moved_to_uri": bob.Account.URI, "password": alice.Password})
	if resp.StatusCode != 422 || !strings.Contains(string(page), "does not list this account") {
		t.Errorf("move to an account without the alias: %d\n%s", resp.StatusCode, page)
	}
}
