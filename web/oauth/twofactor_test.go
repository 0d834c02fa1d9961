package oauth_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/kontor-social/kontor/kontortest"
)

var (
	secretOnPage   = regexp.MustCompile(`id="secret">([A-Z2-7]+)<`)
	recoveryOnPage = regexp.MustCompile(`<li>([a-z2-7]{5}-[a-z2-7]{5})</li>`)
)

// enableTwoFactor turns 2FA on for the browser's user and returns the
// secret and the recovery codes.
func enableTwoFactor(t *testing.T, b *browser) (string, []string) {
	t.Helper()
	page := b.settingsPage("/settings/2fa")
	resp, page := b.Submit(page, "/settings/2fa/setup", nil)
	m := secretOnPage.FindStringSubmatch(string(page))
	if resp.StatusCode != 200 || m == nil || !strings.Contains(string(page), `src="data:image/png;base64,`) {
		t.Fatalf("setup: %d, want a QR code and the secret:\n%s", resp.StatusCode, page)
	}
	secret := m[1]
	resp, again := b.Submit(page, "/settings/2fa/confirm", map[string]string{"code": "000000"})
	if resp.StatusCode != 422 || !strings.Contains(string(again), secret) {
		t.Fatalf("wrong confirmation code: %d, want 422 and the same secret", resp.StatusCode)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	resp, page = b.Submit(again, "/settings/2fa/confirm", map[string]string{"code": code})
	var codes []string
	for _, m := range recoveryOnPage.FindAllStringSubmatch(string(page), -1) {
		codes = append(codes, m[1])
	}
	if resp.StatusCode != 200 || len(codes) != 10 || !strings.Contains(string(page), "is on") {
		t.Fatalf("confirm: %d, %d recovery codes:\n%s", resp.StatusCode, len(codes), page)
	}
	return secret, codes
}

// passwordStep signs in with the password on a fresh browser going to
// the authorize page, and returns the browser and the code page.
func passwordStep(t *testing.T, in *kontortest.Instance, authorize url.Values, login, password string) (*browser, []byte) {
	t.Helper()
	b := newBrowser(t, in)
	resp, page := b.signInTo(authorize, login, password)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/auth/two_factor" {
		t.Fatalf("after the password: %d %s, want the code page\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	if !b.isSignedOut() {
		t.Fatal("signed in by the password alone")
	}
	return b, page
}

func TestTwoFactorSignIn(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	secret, codes := enableTwoFactor(t, signIn(t, in, "jane", jane.Password))

	// The settings page no longer shows the codes.
	page := signInWithCode(t, in, jane, codes[0]).settingsPage("/settings/2fa")
	if recoveryOnPage.Match(page) || !strings.Contains(string(page), "9 recovery codes left") {
		t.Errorf("settings page after enrolment:\n%s", page)
	}

	a := registerApp(t, in, tusky, "read")
	authorize := authorizeQuery(a, tusky, "read", "s", "")
	b, page := passwordStep(t, in, authorize, "jane", jane.Password)
	if resp, _ := b.Submit(page, "/auth/two_factor", map[string]string{"code": "123456"}); resp.StatusCode != 422 {
		t.Errorf("wrong code: %d, want 422", resp.StatusCode)
	}
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	resp, consent := b.Submit(page, "/auth/two_factor", map[string]string{"code": code})
	if resp.StatusCode != 200 || !strings.Contains(string(consent), `value="authorize"`) {
		t.Fatalf("right code: %d %s, want the consent page\n%s", resp.StatusCode, resp.Request.URL, consent)
	}

	// The same code does not sign in twice; a recovery code once.
	b2, page := passwordStep(t, in, authorize, "jane", jane.Password)
	if resp, _ := b2.Submit(page, "/auth/two_factor", map[string]string{"code": code}); resp.StatusCode != 422 {
		t.Errorf("replayed code: %d, want 422", resp.StatusCode)
	}
	if resp, body := b2.Submit(page, "/auth/two_factor", map[string]string{"code": strings.ToUpper(codes[1])}); resp.StatusCode != 200 || !strings.Contains(string(body), `value="authorize"`) {
		t.Errorf("recovery code: %d %s", resp.StatusCode, resp.Request.URL)
	}
	b3, page := passwordStep(t, in, authorize, "jane", jane.Password)
	if resp, _ := b3.Submit(page, "/auth/two_factor", map[string]string{"code": codes[1]}); resp.StatusCode != 422 {
		t.Errorf("used recovery code: %d, want 422", resp.StatusCode)
	}

	// Five wrong codes: back to the password.
	b4, page := passwordStep(t, in, authorize, "jane", jane.Password)
	var body []byte
	for range 5 {
		resp, body = b4.Submit(page, "/auth/two_factor", map[string]string{"code": "999999"})
	}
	if !strings.Contains(string(body), "Too many wrong codes") || !strings.Contains(string(body), `action="/auth/sign_in"`) {
		t.Errorf("after 5 wrong codes: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := b4.Submit(page, "/auth/two_factor", map[string]string{"code": codes[2]}); resp.StatusCode == 200 && !b4.isSignedOut() {
		t.Error("the ended challenge still signs in")
	}

	// Wrong codes count per person across sign-ins too: after the free
	// ones, waits grow (1 s, 2 s, 4 s …), so one of these is refused.
	b5, page := passwordStep(t, in, authorize, "jane", jane.Password)
	throttled := false
	for range 4 {
		resp, body := b5.Submit(page, "/auth/two_factor", map[string]string{"code": "999999"})
		if resp.StatusCode == http.StatusTooManyRequests && strings.Contains(string(body), "Try again in") && resp.Header.Get("Retry-After") != "" {
			throttled = true
			break
		}
	}
	if !throttled {
		t.Error("repeated wrong codes were never throttled")
	}

	// The password grant cannot skip the code.
	r := postToken(t, in.URL, url.Values{"grant_type": {"password"}, "username": {"jane"}, "password": {jane.Password},
		"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "scope": {"read"}})
	if r.AccessToken != "" || r.Error != "invalid_grant" || !strings.Contains(r.ErrorDescription, "two-factor") {
		t.Errorf("password grant of a 2FA account: %+v", r)
	}
}

// signInWithCode signs a fresh browser in with the password and a code.
func signInWithCode(t *testing.T, in *kontortest.Instance, u *kontortest.User, code string) *browser {
	t.Helper()
	b := newBrowser(t, in)
	_, page := b.Get("/auth/sign_in")
	resp, page := b.Submit(page, "/auth/sign_in", map[string]string{"login": u.User.Email, "password": u.Password})
	if resp.Request.URL.Path != "/auth/two_factor" {
		t.Fatalf("after the password: %s", resp.Request.URL)
	}
	if resp, body := b.Submit(page, "/auth/two_factor", map[string]string{"code": code}); resp.StatusCode != 200 || b.isSignedOut() {
		t.Fatalf("code %s: %d\n%s", code, resp.StatusCode, body)
	}
	return b
}

func TestTwoFactorDisable(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b := signIn(t, in, "jane", jane.Password)
	_, codes := enableTwoFactor(t, b)

	page := b.settingsPage("/settings/2fa")
	if resp, _ := b.Submit(page, "/settings/2fa/disable", map[string]string{"code": "nope"}); resp.StatusCode != 422 {
		t.Errorf("disable with a wrong code: %d", resp.StatusCode)
	}
	if resp, _ := b.Post("/settings/2fa/disable", url.Values{"code": {codes[0]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("disable without CSRF: %d", resp.StatusCode)
	}
	resp, page := b.Submit(page, "/settings/2fa/disable", map[string]string{"code": codes[0]})
	if resp.StatusCode != 200 || !strings.Contains(string(page), "is off") {
		t.Fatalf("disable: %d\n%s", resp.StatusCode, page)
	}
	signIn(t, in, "jane", jane.Password) // no code asked
}
