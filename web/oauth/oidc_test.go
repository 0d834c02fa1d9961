package oauth_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/kontortest"
)

// Single sign-on against a real OpenID Connect provider in-process
// (mockoidc), driven like a browser: Kontor's sign-in page → the provider →
// Kontor's callback → signed in → the app's authorize request continues.

const ssoApp = "http://app.example/callback"

// ssoSetup starts a provider and an instance that trusts it.
func ssoSetup(t *testing.T, more ...func(*config.Config)) (*kontortest.Instance, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.Registrations = config.RegistrationsOpen
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret = m.Issuer(), m.ClientID, m.ClientSecret
		c.OIDCDisplayName = "Acme Login"
		c.AllowedEmailDomains = []string{"acme.example"}
		for _, f := range more {
			f(c)
		}
	}})
	return in, m
}

// ssoBrowser follows redirects between Kontor and the provider, and stops
// at the app's redirect URI.
func ssoBrowser(t *testing.T, in *kontortest.Instance) *browser {
	b := newBrowser(t, in)
	b.Client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "app.example" || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return b
}

// ssoStart opens the app's authorize request, presses the SSO button on
// the sign-in page, and returns where the round trip through the provider
// ended.
func ssoStart(t *testing.T, b *browser, q url.Values) (*http.Response, []byte) {
	t.Helper()
	resp, page := b.Get("/oauth/authorize?" + q.Encode())
	if resp.Request.URL.Path != "/auth/sign_in" {
		t.Fatalf("authorize did not lead to sign-in: %s", resp.Request.URL)
	}
	m := regexp.MustCompile(`id="sso" href="([^"]+)">Sign in with Acme Login<`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no single sign-on button:\n%s", page)
	}
	return b.Get(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
}

// ssoToken completes the whole flow for a queued provider user and returns
// an access token from the authorization code.
func ssoToken(t *testing.T, in *kontortest.Instance, a app) string {
	t.Helper()
	b := ssoBrowser(t, in)
	verifier, challenge := pkce()
	resp, page := ssoStart(t, b, authorizeQuery(a, ssoApp, "read write", "st", challenge))
	if resp.Request.URL.Path == "/auth/oidc/confirm" {
		// A new person: keep the handle offered.
		resp, page = b.Submit(page, "/auth/oidc/confirm", nil)
	}
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/oauth/authorize" || !bytes.Contains(page, []byte(`value="authorize"`)) {
		t.Fatalf("after single sign-on, want the consent page, got %d %s:\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	resp, _ = b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize"})
	code, state := codeFrom(t, resp, ssoApp)
	if state != "st" {
		t.Errorf("state %q", state)
	}
	tok := postToken(t, in.URL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {ssoApp},
		"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "code_verifier": {verifier}})
	if tok.Status != 200 || tok.AccessToken == "" {
		t.Fatalf("token: %+v", tok)
	}
	return tok.AccessToken
}

// ssoMe is verify_credentials' username for a token.
func ssoMe(t *testing.T, in *kontortest.Instance, token string) string {
	t.Helper()
	resp, body := bearerGet(in, "/api/v1/accounts/verify_credentials", token)
	var me struct {
		Username string `json:"username"`
	}
	mustJSON(t, body, &me)
	if resp.StatusCode != 200 {
		t.Fatalf("verify_credentials: %d %s", resp.StatusCode, body)
	}
	return me.Username
}

// ssoRefused runs the flow for a queued user and expects a refusal page.
func ssoRefused(t *testing.T, in *kontortest.Instance, a app, wants ...string) {
	t.Helper()
	resp, page := ssoStart(t, ssoBrowser(t, in), authorizeQuery(a, ssoApp, "read", "st", ""))
	if resp.StatusCode != http.StatusForbidden || resp.Request.URL.Path != "/auth/oidc/callback" {
		t.Fatalf("want a 403 page at the callback, got %d %s:\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	for _, w := range wants {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("refusal page lacks %q:\n%s", w, page)
		}
	}
	if bytes.Contains(page, []byte(`value="authorize"`)) {
		t.Error("refused, yet the consent page is shown")
	}
}

func TestSingleSignOnCreatesAccount(t *testing.T) {
	in, m := ssoSetup(t)
	a := registerApp(t, in, ssoApp, "read write")
	suExisting(t, in, "jane_doe", "someone.else@acme.example") // the first choice of username is taken
	before, _ := in.DB.LocalAccounts(context.Background())

	m.QueueUser(&mockoidc.MockUser{Subject: "emp-1001", Email: "Jane.Doe@acme.example", EmailVerified: true, PreferredUsername: "jane.doe"})
	tok := ssoToken(t, in, a)
	if got := ssoMe(t, in, tok); got != "jane_doe2" {
		t.Fatalf("new account's username %q, want jane_doe2 (from preferred_username, made valid and unique)", got)
	}
	u := suUser(t, in, "jane_doe2")
	if u.SSOIssuer != m.Issuer() || u.SSOSubject != "emp-1001" || u.ConfirmedAt == nil || !u.Approved || u.PasswordHash != "" || u.Email != "Jane.Doe@acme.example" {
		t.Fatalf("SSO user: %+v", u)
	}
	after, _ := in.DB.LocalAccounts(context.Background())
	if len(after) != len(before)+1 {
		t.Fatalf("%d accounts, want one more than %d", len(after), len(before))
	}

	// The next sign-in of the same person (by subject, whatever the email
	// says now) is the same account.
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-1001", Email: "jane.renamed@acme.example", EmailVerified: true, PreferredUsername: "jr"})
	if got := ssoMe(t, in, ssoToken(t, in, a)); got != "jane_doe2" {
		t.Fatalf("second sign-in as %q", got)
	}
	again, _ := in.DB.LocalAccounts(context.Background())
	if len(again) != len(after) {
		t.Fatal("a second sign-in created another account")
	}

	// Without preferred_username: the email's local part.
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-1002", Email: "max.mustermann@eu.acme.example", EmailVerified: true})
	if got := ssoMe(t, in, ssoToken(t, in, a)); got != "max_mustermann" {
		t.Fatalf("username %q, want max_mustermann", got)
	}

	// A reserved preferred_username is not taken as is.
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-1003", Email: "root@acme.example", EmailVerified: true, PreferredUsername: "root"})
	if got := ssoMe(t, in, ssoToken(t, in, a)); got == "root" || !strings.HasPrefix(got, "root") {
		t.Fatalf("username %q for preferred_username root", got)
	}
}

func TestSingleSignOnRefusals(t *testing.T) {
	in, m := ssoSetup(t)
	a := registerApp(t, in, ssoApp, "read")
	count := func() int {
		list, _ := in.DB.LocalAccounts(context.Background())
		return len(list)
	}
	before := count()

	// Outside allowed_email_domains: a clear page, no account.
	m.QueueUser(&mockoidc.MockUser{Subject: "ext-1", Email: "eve@gmail.example", EmailVerified: true, PreferredUsername: "eve"})
	ssoRefused(t, in, a, "Not a company address", "eve@gmail.example", "acme.example")
	// A look-alike domain too.
	m.QueueUser(&mockoidc.MockUser{Subject: "ext-2", Email: "eve@evilacme.example", EmailVerified: true})
	ssoRefused(t, in, a, "Not a company address")

	// An unverified address neither creates nor links an account.
	suExisting(t, in, "bob", "bob@acme.example")
	before++
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-2", Email: "bob@acme.example", EmailVerified: false, PreferredUsername: "bob"})
	ssoRefused(t, in, a, "did not confirm your email address")
	if u := suUser(t, in, "bob"); u.SSOSubject != "" {
		t.Errorf("unverified email linked bob: %+v", u)
	}
	if count() != before {
		t.Fatalf("refused sign-ins created accounts: %d, want %d", count(), before)
	}

	// A tampered or replayed callback (state that was not started here).
	b := ssoBrowser(t, in)
	resp, page := b.Get("/auth/oidc/callback?code=x&state=forged")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged callback: %d\n%s", resp.StatusCode, page)
	}
	// The provider refusing (error=access_denied) is shown, not followed.
	m.QueueError(&mockoidc.ServerError{Code: http.StatusForbidden, Error: "access_denied", Description: "nope"})
	resp, _ = ssoStart(t, ssoBrowser(t, in), authorizeQuery(a, ssoApp, "read", "st", ""))
	if resp.StatusCode == 200 {
		t.Errorf("a provider error led to %d %s", resp.StatusCode, resp.Request.URL)
	}
}

// An existing account (made with a password) is linked by its verified
// email on the first single sign-on, and keeps its password.
func TestSingleSignOnLinksExistingUser(t *testing.T) {
	in, m := ssoSetup(t)
	a := registerApp(t, in, ssoApp, "read write")
	carol := suExisting(t, in, "carol", "carol@acme.example")
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-3", Email: "Carol@ACME.example", EmailVerified: true, PreferredUsername: "carol.c"})
	if got := ssoMe(t, in, ssoToken(t, in, a)); got != "carol" {
		t.Fatalf("signed in as %q, want carol", got)
	}
	u := suUser(t, in, "carol")
	if u.ID != carol.ID || u.SSOSubject != "emp-3" || u.SSOIssuer != m.Issuer() || u.PasswordHash == "" {
		t.Fatalf("carol after linking: %+v", u)
	}
	// Another identity with the same email is not linked over it.
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-imposter", Email: "carol@acme.example", EmailVerified: true})
	ssoRefused(t, in, a, "another single sign-on identity")

	// Registrations closed: linked people still sign in, new people are
	// not created.
	closed, m2 := ssoSetup(t, func(c *config.Config) { c.Registrations = config.RegistrationsClosed })
	a2 := registerApp(t, closed, ssoApp, "read write")
	suExisting(t, closed, "dave", "dave@acme.example")
	m2.QueueUser(&mockoidc.MockUser{Subject: "emp-4", Email: "dave@acme.example", EmailVerified: true})
	if got := ssoMe(t, closed, ssoToken(t, closed, a2)); got != "dave" {
		t.Fatalf("closed: signed in as %q", got)
	}
	m2.QueueUser(&mockoidc.MockUser{Subject: "emp-5", Email: "erin@acme.example", EmailVerified: true})
	ssoRefused(t, closed, a2, "Sign-ups are closed")
}

// sso_only: the sign-in page shows only the provider's button; password
// sign-in, the password grant and password sign-ups are refused.
func TestSSOOnly(t *testing.T) {
	in, m := ssoSetup(t, func(c *config.Config) { c.SSOOnly = true })
	a := registerApp(t, in, ssoApp, "read write")
	frank := suExisting(t, in, "frank", "frank@acme.example")

	b := newBrowser(t, in)
	resp, page := b.Get("/auth/sign_in")
	if resp.StatusCode != 200 || bytes.Contains(page, []byte(`action="/auth/sign_in"`)) || bytes.Contains(page, []byte(`type="password"`)) ||
		!bytes.Contains(page, []byte("Sign in with Acme Login")) || bytes.Contains(page, []byte("/auth/sign_up")) {
		t.Fatalf("SSO-only sign-in page:\n%s", page)
	}
	// A password POST anyway (the CSRF cookie from the page).
	csrf := regexp.MustCompile(`kontor_csrf=([^;]+)`).FindStringSubmatch(resp.Header.Get("Set-Cookie"))
	if csrf == nil {
		t.Fatalf("no CSRF cookie: %v", resp.Header)
	}
	resp, page = b.Post("/auth/sign_in", url.Values{"authenticity_token": {csrf[1]}, "login": {"frank"}, "password": {"password-frank"}})
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(page, []byte("Password sign-in is turned off")) {
		t.Fatalf("password sign-in in SSO-only mode: %d\n%s", resp.StatusCode, page)
	}
	// No password to reset.
	if resp, page := b.Get("/auth/password/new"); resp.StatusCode != 200 || bytes.Contains(page, []byte(`name="email"`)) || !bytes.Contains(page, []byte("no passwords")) {
		t.Errorf("SSO-only password reset page: %d\n%s", resp.StatusCode, page)
	}
	// The password grant.
	tok := postToken(t, in.URL, url.Values{"grant_type": {"password"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
		"username": {"frank@acme.example"}, "password": {"password-frank"}, "scope": {"read"}})
	wantTokenError(t, tok, http.StatusBadRequest, "unsupported_grant_type")
	// Password sign-ups: the page offers only SSO, the API refuses.
	resp, page = b.Get("/auth/sign_up")
	if resp.StatusCode != 200 || bytes.Contains(page, []byte(`action="/auth/sign_up"`)) || !bytes.Contains(page, []byte("Sign in with Acme Login")) {
		t.Fatalf("SSO-only sign-up page: %d\n%s", resp.StatusCode, page)
	}
	appTok := postToken(t, in.URL, url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "scope": {"write"}})
	r, body := in.Do("POST", "/api/v1/accounts", []byte(url.Values{"username": {"gina"}, "email": {"gina@acme.example"},
		"password": {"correct horse battery"}, "agreement": {"true"}}.Encode()),
		"Content-Type: application/x-www-form-urlencoded", "Authorization: Bearer "+appTok.AccessToken)
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("API sign-up in SSO-only mode: %d %s", r.StatusCode, body)
	}
	// The metadata no longer offers the password grant.
	_, meta := in.Get("/.well-known/oauth-authorization-server")
	if bytes.Contains(meta, []byte(`"password"`)) {
		t.Errorf("metadata offers the password grant: %s", meta)
	}

	// Single sign-on works, and links frank.
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-6", Email: "frank@acme.example", EmailVerified: true})
	if got := ssoMe(t, in, ssoToken(t, in, a)); got != "frank" {
		t.Fatalf("SSO as %q", got)
	}
	if u := suUser(t, in, "frank"); u.ID != frank.ID || u.SSOSubject != "emp-6" {
		t.Fatalf("frank: %+v", u)
	}
}

// The flow cookie: HttpOnly, short-lived, and the redirect carries state,
// nonce and an S256 PKCE challenge.
func TestSingleSignOnStartRequest(t *testing.T) {
	in, m := ssoSetup(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(in.URL + "/auth/oidc/start?return_to=" + url.QueryEscape("https://evil.example/"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), m.AuthorizationEndpoint()) {
		t.Fatalf("start: %d %s", resp.StatusCode, loc)
	}
	if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		q.Get("redirect_uri") != in.URL+"/auth/oidc/callback" || q.Get("scope") != "openid email profile" || q.Get("client_id") != m.ClientID {
		t.Errorf("authorization request: %s", loc.RawQuery)
	}
	var flow *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "kontor_oidc" {
			flow = ck
		}
	}
	if flow == nil || !flow.HttpOnly || flow.MaxAge <= 0 || flow.MaxAge > 900 || flow.SameSite != http.SameSiteLaxMode {
		t.Fatalf("flow cookie: %+v", flow)
	}
	if strings.Contains(flow.Value, "evil") {
		t.Error("an outside return_to was kept")
	}
}
