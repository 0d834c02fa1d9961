package oauth_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/kontortest"
)

// signIn signs a fresh browser in on the sign-in page.
func signIn(t *testing.T, in *kontortest.Instance, login, password string) *browser {
	t.Helper()
	b := newBrowser(t, in)
	_, page := b.Get("/auth/sign_in")
	resp, body := b.Submit(page, "/auth/sign_in", map[string]string{"login": login, "password": password})
	if p := resp.Request.URL.Path; resp.StatusCode != 200 || p == "/auth/sign_in" || p == "/auth/two_factor" {
		t.Fatalf("sign in: %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	return b
}

// settingsPage opens a settings page, failing unless the browser is signed in.
func (b *browser) settingsPage(path string) []byte {
	b.T.Helper()
	resp, page := b.Get(path)
	if resp.StatusCode != 200 || resp.Request.URL.Path != path {
		b.T.Fatalf("%s: %d at %s\n%s", path, resp.StatusCode, resp.Request.URL, page)
	}
	return page
}

// isSignedOut reports whether a settings page sends the browser to sign in.
func (b *browser) isSignedOut() bool {
	b.T.Helper()
	resp, _ := b.Get("/settings/sessions")
	return resp.Request.URL.Path == "/auth/sign_in"
}

// csrf returns the browser's CSRF token, from the form of its sessions page.
func (b *browser) csrf() string {
	b.T.Helper()
	page := b.settingsPage("/settings/sessions")
	return kontortest.Form(b.T, page, endSessionAction.FindStringSubmatch(string(page))[1]).Get("authenticity_token")
}

var endSessionAction = regexp.MustCompile(`action="(/settings/sessions/[0-9a-f]+/end)"`)

func TestSettingsSessions(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	john := in.CreateUser("john")

	// A visitor is sent to sign in, and comes back to the page.
	visitor := newBrowser(t, in)
	resp, page := visitor.Get("/settings/sessions")
	if resp.Request.URL.Path != "/auth/sign_in" {
		t.Fatalf("visitor: %s", resp.Request.URL)
	}
	resp, _ = visitor.Submit(page, "/auth/sign_in", map[string]string{"login": "jane", "password": jane.Password})
	if resp.Request.URL.Path != "/settings/sessions" {
		t.Fatalf("after sign-in: %s, want back to /settings/sessions", resp.Request.URL)
	}

	other := signIn(t, in, "jane", jane.Password)
	johns := signIn(t, in, "john", john.Password)
	page = visitor.settingsPage("/settings/sessions")
	if n := strings.Count(string(page), `class="session"`); n != 2 {
		t.Fatalf("%d sessions listed, want 2:\n%s", n, page)
	}
	for _, want := range []string{"Go-http-client", "127.0.0.1", "(this browser)"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("sessions page lacks %q", want)
		}
	}

	// The other browser's session: listed without "(this browser)" there.
	otherPage := other.settingsPage("/settings/sessions")
	var otherAction string
	for _, m := range endSessionAction.FindAllStringSubmatch(string(otherPage), -1) {
		if !strings.Contains(string(page), m[1]) {
			t.Fatalf("jane's other session %s missing from the first browser's list", m[1])
		}
	}
	cur := regexp.MustCompile(`(?s)<tr class="session">.*?\(this browser\).*?action="([^"]+)"`).FindStringSubmatch(string(otherPage))
	if cur == nil {
		t.Fatalf("no current session on:\n%s", otherPage)
	}
	otherAction = cur[1]

	// Without CSRF token: refused. John cannot end jane's session.
	if resp, _ := visitor.Post(otherAction, url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("end without CSRF: %d", resp.StatusCode)
	}
	johnPage := johns.settingsPage("/settings/sessions")
	if !strings.Contains(string(johnPage), "@john") {
		t.Fatalf("john's page:\n%s", johnPage)
	}
	if resp, _ := johns.Post(otherAction, url.Values{"authenticity_token": {johns.csrf()}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("john ends jane's session: %d, want 404", resp.StatusCode)
	}
	if other.isSignedOut() {
		t.Fatal("john's attempt signed jane out")
	}

	resp, page = visitor.Submit(page, otherAction, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "The session has ended") {
		t.Fatalf("end session: %d\n%s", resp.StatusCode, page)
	}
	if !other.isSignedOut() {
		t.Error("the ended session still works")
	}
	if strings.Count(string(page), `class="session"`) != 1 {
		t.Errorf("the ended session is still listed")
	}

	// Ending the current session signs this browser out.
	page = visitor.settingsPage("/settings/sessions")
	self := endSessionAction.FindStringSubmatch(string(page))[1]
	if resp, _ := visitor.Submit(page, self, nil); resp.Request.URL.Path != "/auth/sign_in" {
		t.Errorf("ending the current session leads to %s", resp.Request.URL)
	}
	if !visitor.isSignedOut() {
		t.Error("the current session survived")
	}
}

func TestSettingsApps(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	john := in.CreateUser("john")
	a := registerApp(t, in, tusky, "read write")
	verifier, challenge := pkce()
	code := getCode(t, in, a, tusky, "read write", challenge, jane)
	tok := postToken(t, in.URL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tusky},
		"client_id": {a.ClientID}, "code_verifier": {verifier}})
	if tok.AccessToken == "" {
		t.Fatalf("token: %+v", tok)
	}

	b := signIn(t, in, "jane", jane.Password)
	page := b.settingsPage("/settings/apps")
	action := "/settings/apps/" + a.ID + "/revoke"
	if !strings.Contains(string(page), "Test app") || !strings.Contains(string(page), "read write") || !strings.Contains(string(page), action) {
		t.Fatalf("apps page lacks the app:\n%s", page)
	}
	if strings.Count(string(page), `class="app"`) != 1 || !strings.Contains(string(page), "never") {
		t.Errorf("apps listed: want only Test app (the harness token has no app)\n%s", page)
	}

	// John has no token of this app: 404, and jane's token still works.
	jb := signIn(t, in, "john", john.Password)
	jpage := jb.settingsPage("/settings/apps")
	if strings.Contains(string(jpage), "Test app") {
		t.Error("john sees jane's app")
	}
	if resp, _ := jb.Post(action, url.Values{"authenticity_token": {jb.csrf()}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("john revokes jane's app: %d", resp.StatusCode)
	}
	if resp, _ := bearerGet(in, "/api/v1/accounts/verify_credentials", tok.AccessToken); resp.StatusCode != 200 {
		t.Fatalf("token before revoking: %d", resp.StatusCode)
	}
	if page = b.settingsPage("/settings/apps"); strings.Contains(string(page), "never") {
		t.Errorf("the app's use is not shown:\n%s", page)
	}

	resp, page := b.Submit(page, action, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "revoked") || strings.Contains(string(page), action) {
		t.Fatalf("revoke: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := bearerGet(in, "/api/v1/accounts/verify_credentials", tok.AccessToken); resp.StatusCode != 401 {
		t.Errorf("revoked app's token: %d, want 401", resp.StatusCode)
	}
	if r := postToken(t, in.URL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {a.ClientID}}); r.AccessToken != "" {
		t.Errorf("revoked app refreshed its token: %+v", r)
	}
	if resp, _ := bearerGet(in, "/api/v1/accounts/verify_credentials", jane.Token); resp.StatusCode != 200 {
		t.Errorf("jane's other token: %d", resp.StatusCode)
	}
}

func TestSettingsPassword(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b := signIn(t, in, "jane", jane.Password)
	other := signIn(t, in, "jane", jane.Password)
	page := b.settingsPage("/settings/password")

	cases := []struct {
		name                 string
		current, pw, confirm string
		status               int
		want                 string
	}{
		{"wrong current", "nope-nope", "new-password-1", "new-password-1", 422, "current password is not correct"},
		{"mismatch", jane.Password, "new-password-1", "new-password-2", 422, "differ"},
		{"too short", jane.Password, "short", "short", 422, "8 to 72"},
	}
	for _, c := range cases {
		resp, body := b.Submit(page, "/settings/password", map[string]string{"current_password": c.current, "password": c.pw, "password_confirmation": c.confirm})
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d, want %d with %q", c.name, resp.StatusCode, c.status, c.want)
		}
	}
	if other.isSignedOut() {
		t.Fatal("a refused change ended the other session")
	}

	resp, body := b.Submit(page, "/settings/password", map[string]string{"current_password": jane.Password, "password": "new-password-1", "password_confirmation": "new-password-1"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Your password has been changed") {
		t.Fatalf("change: %d\n%s", resp.StatusCode, body)
	}
	if b.isSignedOut() {
		t.Error("the browser that changed the password was signed out")
	}
	if !other.isSignedOut() {
		t.Error("the other session survived the password change")
	}
	signIn(t, in, "jane", "new-password-1")
	if resp, _ := bearerGet(in, "/api/v1/accounts/verify_credentials", jane.Token); resp.StatusCode != 200 {
		t.Errorf("app token after a password change: %d (apps stay)", resp.StatusCode)
	}
}
