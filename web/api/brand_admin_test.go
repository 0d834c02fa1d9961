package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Admins see every brand on /settings/brands and manage it (members,
// approval, profile); owners edit the brand's profile on its page (through
// the engine: audited); editors cannot.
func TestBrandPagesForAdminsAndProfile(t *testing.T) {
	w := brStart(t, false)
	in := w.in
	admin := anAdmin(t, in, "root")
	admin.Password = "password-root"
	ab := brNewBrowser(t, in)
	resp, page := ab.signIn("/settings/brands", admin)
	if resp.StatusCode != 200 || !strings.Contains(string(page), `href="/settings/brands/acme"`) || !strings.Contains(string(page), "administrator") ||
		strings.Contains(string(page), "not a member of any brand") {
		t.Fatalf("admin's brand list: %d\n%s", resp.StatusCode, page)
	}
	resp, page = ab.Get("/settings/brands/acme")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "@olivia") || !strings.Contains(string(page), `action="/settings/brands/acme/members"`) {
		t.Fatalf("admin's brand page: %d\n%s", resp.StatusCode, page)
	}
	// The admin gives the brand a second owner.
	resp, page = ab.Submit(page, "/settings/brands/acme/members", map[string]string{"username": "sam", "role": "owner"})
	if role, err := in.DB.BrandRole(brCtx, w.brand.ID, w.stranger.User.ID); resp.StatusCode != 200 || err != nil || role != db.BrandOwner {
		t.Fatalf("admin adds an owner: %d %q %v\n%s", resp.StatusCode, role, err, page)
	}

	// The owner edits the profile on the page.
	ob := brNewBrowser(t, in)
	_, page = ob.signIn("/settings/brands/acme", w.owner)
	resp, page = ob.Submit(page, "/settings/brands/acme/profile", map[string]string{"display_name": "Acme Inc.", "note": "We make #things",
		"fields_attributes[0][name]": "Web", "fields_attributes[0][value]": "https://acme.example"})
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Profile saved") {
		t.Fatalf("save profile: %d\n%s", resp.StatusCode, page)
	}
	a, _ := in.DB.AccountByID(brCtx, w.brand.ID)
	if a.DisplayName != "Acme Inc." || a.NoteSource != "We make #things" || len(a.Fields) != 1 || a.Fields[0].Name != "Web" {
		t.Errorf("profile after save: %q %q %+v", a.DisplayName, a.NoteSource, a.Fields)
	}
	if e := findAudit(w.audit(t, w.owner.Token), "profile.update", ""); e == nil || memberOf(e) != "olivia" {
		t.Errorf("profile audit: %v", e)
	}
	// The avatar, uploaded on the page, through the API's profile editor.
	fields := kontortest.Form(t, page, "/settings/brands/acme/profile")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k := range fields {
		mw.WriteField(k, fields.Get(k))
	}
	fw, _ := mw.CreateFormFile("avatar", "logo.png")
	fw.Write(acctPNG(t, 64, 64))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/settings/brands/acme/profile", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if resp, page := ob.Do(req); resp.StatusCode != 200 || !strings.Contains(string(page), "Profile saved") {
		t.Fatalf("avatar upload: %d\n%s", resp.StatusCode, page)
	}
	if a, _ := in.DB.AccountByID(brCtx, w.brand.ID); a.AvatarMediaID == nil || a.DisplayName != "Acme Inc." {
		t.Errorf("after the avatar upload: avatar %v, name %q", a.AvatarMediaID, a.DisplayName)
	}
	// Too long a name: the page says why, nothing changes.
	resp, page = ob.Submit(page, "/settings/brands/acme/profile", map[string]string{"display_name": strings.Repeat("x", 31)})
	if a, _ := in.DB.AccountByID(brCtx, w.brand.ID); resp.StatusCode != 422 || !strings.Contains(string(page), "display_name is too long") || a.DisplayName != "Acme Inc." {
		t.Errorf("long name: %d %q", resp.StatusCode, a.DisplayName)
	}
	// An editor has no profile form and is refused.
	eb := brNewBrowser(t, in)
	_, page = eb.signIn("/settings/brands/acme", w.editor)
	if strings.Contains(string(page), `action="/settings/brands/acme/profile"`) {
		t.Error("the editor sees the profile form")
	}
	v := kontortest.Form(t, page, "/settings/brands/acme/members/"+db.FormatID(w.editor.User.ID)+"/remove") // for its CSRF token
	v.Set("display_name", "Hacked")
	if resp, _ := eb.Post("/settings/brands/acme/profile", v); resp.StatusCode != 403 {
		t.Errorf("editor saves the profile: %d, want 403", resp.StatusCode)
	}
}
