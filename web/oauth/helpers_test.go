package oauth_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// tusky is the redirect URI Tusky registers.
const tusky = "oauth2redirect://com.keylesspalace.tusky/"

// app is a registered application as the test client sees it.
type app struct {
	ID, ClientID, ClientSecret, RedirectURI string
}

// registerApp registers an app with a form body (as Tusky and Phanpy do).
func registerApp(t *testing.T, in *kontortest.Instance, redirect, scopes string) app {
	t.Helper()
	resp, body := in.Do("POST", "/api/v1/apps", []byte(url.Values{
		"client_name": {"Test app"}, "redirect_uris": {redirect}, "scopes": {scopes}, "website": {"https://app.example"},
	}.Encode()), "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != 200 {
		t.Fatalf("register app: %d %s", resp.StatusCode, body)
	}
	var a struct {
		ID           string `json:"id"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		RedirectURI  string `json:"redirect_uri"`
	}
	mustJSON(t, body, &a)
	return app{a.ID, a.ClientID, a.ClientSecret, a.RedirectURI}
}

func mustJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// pkce returns a code verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	var b [32]byte
	rand.Read(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// browser is a browser with the OAuth tests' steps.
type browser struct{ *kontortest.Browser }

func newBrowser(t *testing.T, in *kontortest.Instance) *browser {
	return newBrowserAt(t, in.URL)
}

// newBrowserAt browses a server at base (http://host:port).
func newBrowserAt(t *testing.T, base string) *browser {
	return &browser{kontortest.NewBrowser(t, base)}
}

// signInTo opens an authorize URL, signs in on the page it leads to, and
// returns the page that follows (the consent page, normally).
func (b *browser) signInTo(authorize url.Values, login, password string) (*http.Response, []byte) {
	b.T.Helper()
	resp, page := b.Get("/oauth/authorize?" + authorize.Encode())
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/auth/sign_in" {
		b.T.Fatalf("authorize should lead to the sign-in page, got %d %s:\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	return b.Submit(page, "/auth/sign_in", map[string]string{"login": login, "password": password})
}

// approve signs in (when needed) and presses Authorize; it returns the
// final response (the redirect to the app, or the oob page).
func (b *browser) approve(authorize url.Values, login, password string) (*http.Response, []byte) {
	b.T.Helper()
	resp, page := b.signInTo(authorize, login, password)
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`value="authorize"`)) {
		b.T.Fatalf("expected the consent page, got %d:\n%s", resp.StatusCode, page)
	}
	return b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize"})
}

// codeFrom reads the code (and state) from a redirect to the app.
func codeFrom(t *testing.T, resp *http.Response, redirect string) (code, state string) {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, redirect) {
		t.Fatalf("want 302 to %s, got %d Location %q", redirect, resp.StatusCode, loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("code") == "" {
		t.Fatalf("no code in %s", loc)
	}
	return u.Query().Get("code"), u.Query().Get("state")
}

// authorizeQuery is an authorization request for an app.
func authorizeQuery(a app, redirect, scope, state, challenge string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {redirect}, "scope": {scope}}
	if state != "" {
		q.Set("state", state)
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return q
}

// getCode runs the whole browser part of the flow for a fresh browser.
func getCode(t *testing.T, in *kontortest.Instance, a app, redirect, scope, challenge string, u *kontortest.User) string {
	t.Helper()
	resp, _ := newBrowser(t, in).approve(authorizeQuery(a, redirect, scope, "s", challenge), u.User.Email, u.Password)
	code, _ := codeFrom(t, resp, redirect)
	return code
}

// tokenReply is /oauth/token's answer, success or error.
type tokenReply struct {
	Status           int
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	Scope            string `json:"scope"`
	CreatedAt        any    `json:"created_at"`
	RefreshToken     string `json:"refresh_token"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// postToken posts a form to /oauth/token (or another path).
func postToken(t *testing.T, base string, v url.Values, headers ...string) tokenReply {
	t.Helper()
	return postTo(t, base+"/oauth/token", v, headers...)
}

func postTo(t *testing.T, u string, v url.Values, headers ...string) tokenReply {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, h := range headers {
		k, val, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(val))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: content type %q: %s", u, ct, body)
	}
	var r tokenReply
	mustJSON(t, body, &r)
	r.Status = resp.StatusCode
	return r
}

// wantTokenError checks an RFC 6749 error reply.
func wantTokenError(t *testing.T, r tokenReply, status int, code string) {
	t.Helper()
	if r.Status != status || r.Error != code || r.ErrorDescription == "" || r.AccessToken != "" {
		t.Fatalf("want %d %s with a description, got %+v", status, code, r)
	}
}

// bearerGet calls an endpoint with a token.
func bearerGet(in *kontortest.Instance, path, token string) (*http.Response, []byte) {
	return in.Get(path, "Authorization: Bearer "+token)
}

// multipartBody encodes fields as multipart/form-data.
func multipartBody(fields [][2]string) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func fmtID(id int64) string { return db.FormatID(id) }
