package oauth_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/kontortest"
)

// A NUL character cannot be stored or looked up (PostgreSQL refuses it,
// bun refuses to quote it): on the OAuth pages and endpoints it is a clear
// refusal, never a 500.
func TestNULInOAuthRequestsRefused(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	in.CreateUser("alice")
	a := registerApp(t, in, tusky, "read")
	q := authorizeQuery(a, tusky, "read", "", "")

	// The sign-in form: a page saying what is wrong.
	b := newBrowser(t, in)
	_, page := b.Get("/oauth/authorize?" + q.Encode())
	resp, body := b.Submit(page, "/auth/sign_in", map[string]string{"login": "ali\x00ce", "password": "x"})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("NUL")) {
		t.Errorf("sign-in form: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// The authorize page's query string.
	resp, body = b.Get("/oauth/authorize?client_id=a%00b&response_type=code")
	if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte("NUL")) {
		t.Errorf("authorize: %d %s", resp.StatusCode, body)
	}
	// The token endpoint: the password grant and client authentication.
	r := postToken(t, in.URL, url.Values{"grant_type": {"password"}, "client_id": {a.ClientID},
		"client_secret": {a.ClientSecret}, "username": {"ali\x00ce"}, "password": {"x"}})
	if r.Status < 400 || r.Status >= 500 {
		t.Errorf("password grant: %+v", r)
	}
	r = postToken(t, in.URL, url.Values{"grant_type": {"client_credentials"}},
		"Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("a%00b:secret")))
	wantTokenError(t, r, http.StatusUnauthorized, "invalid_client")
	req, _ := http.NewRequest("POST", in.URL+"/oauth/token", strings.NewReader(`{"grant_type":"password","client_id":"a\u0000"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("JSON token request: %d", res.StatusCode)
	}
}
