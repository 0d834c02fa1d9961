package oauth_test

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/kontortest"
)

// Tusky's and Phanpy's way in: register with a form body and a custom-scheme
// redirect, sign in and consent in the browser, redeem the code with PKCE
// and no client secret, then use the token.
func TestAuthorizationCodeFlowWithPKCE(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")

	resp, body := in.Do("POST", "/api/v1/apps", []byte(url.Values{
		"client_name": {"Tusky"}, "redirect_uris": {tusky}, "scopes": {"read write follow push"},
		"website": {"https://tusky.app"},
	}.Encode()), "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	var cred map[string]any
	mustJSON(t, body, &cred)
	for k, want := range map[string]any{
		"name": "Tusky", "website": "https://tusky.app", "redirect_uri": tusky,
		"scopes":        []any{"read", "write", "follow", "push"},
		"redirect_uris": []any{tusky}, "client_secret_expires_at": float64(0),
	} {
		if got := cred[k]; !equalJSON(got, want) {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	// vapid_key: the instance's Web Push key, a P-256 point (65 bytes, base64url).
	if k, _ := cred["vapid_key"].(string); len(k) != 87 {
		t.Errorf("vapid_key = %#v, want the instance's public key", cred["vapid_key"])
	}
	for _, k := range []string{"id", "client_id", "client_secret"} {
		if s, ok := cred[k].(string); !ok || s == "" {
			t.Errorf("%s = %#v, want a non-empty string", k, cred[k])
		}
	}
	a := app{cred["id"].(string), cred["client_id"].(string), cred["client_secret"].(string), tusky}

	verifier, challenge := pkce()
	b := newBrowser(t, in)
	q := authorizeQuery(a, tusky, "read write follow push", "xyz 123", challenge)
	q.Set("lang", "de")
	resp, page := b.signInTo(q, "alice@example.com", alice.Password)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/oauth/authorize" {
		t.Fatalf("after sign-in: %d %s", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{"Tusky", "read", "write", "follow", "push", `value="authorize"`, `value="deny"`, `lang="de"`, "@alice@"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' oauth2redirect:") {
		t.Errorf("CSP %q must let the form redirect to the app's scheme", csp)
	}
	consent := kontortest.Form(t, page, "/oauth/authorize")
	if consent.Get("authenticity_token") == "" || consent.Get("account_id") != fmtID(alice.Account.ID) {
		t.Fatalf("consent form fields: %v", consent)
	}
	resp, _ = b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize"})
	code, state := codeFrom(t, resp, tusky)
	if state != "xyz 123" {
		t.Errorf("state = %q, want it back unchanged", state)
	}

	tok := postToken(t, in.URL, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tusky},
		"client_id": {a.ClientID}, "code_verifier": {verifier},
	})
	if tok.Status != 200 || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.Scope != "read write follow push" || tok.RefreshToken == "" {
		t.Fatalf("token: %+v", tok)
	}
	if _, ok := tok.CreatedAt.(float64); !ok {
		t.Errorf("created_at = %#v, want unix seconds", tok.CreatedAt)
	}

	resp, body = bearerGet(in, "/api/v1/apps/verify_credentials", tok.AccessToken)
	if resp.StatusCode != 200 {
		t.Fatalf("verify_credentials: %d %s", resp.StatusCode, body)
	}
	var va map[string]any
	mustJSON(t, body, &va)
	for _, k := range []string{"id", "name", "website", "scopes", "redirect_uri", "redirect_uris"} {
		if _, ok := va[k]; !ok {
			t.Errorf("verify_credentials lacks %s: %s", k, body)
		}
	}
	if _, leaked := va["client_secret"]; leaked || va["name"] != "Tusky" {
		t.Errorf("verify_credentials: %s", body)
	}

	resp, body = bearerGet(in, "/oauth/userinfo", tok.AccessToken)
	var ui map[string]any
	mustJSON(t, body, &ui)
	if resp.StatusCode != 200 || ui["preferred_username"] != "alice" || ui["sub"] != alice.Account.URI || ui["iss"] != in.URL ||
		ui["profile"] == "" || ui["picture"] == "" || ui["name"] == "" {
		t.Fatalf("userinfo: %d %s", resp.StatusCode, body)
	}
	// The token acts as alice for the whole API.
	stored, err := in.DB.TokenByPlaintext(context.Background(), tok.AccessToken)
	if err != nil || stored.AccountID == nil || *stored.AccountID != alice.Account.ID || stored.AppID == nil {
		t.Fatalf("stored token: %+v %v", stored, err)
	}
	resp, body = bearerGet(in, "/api/v1/accounts/verify_credentials", tok.AccessToken)
	var me map[string]any
	mustJSON(t, body, &me)
	if resp.StatusCode != 200 || me["username"] != "alice" || me["source"] == nil {
		t.Fatalf("verify_credentials with the flow's token: %d %s", resp.StatusCode, body)
	}
}

// go-mastodon registers, redeems an oob code with its client secret, and
// logs in with the password grant.
func TestGoMastodon(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	bob := in.CreateUser("bob")
	ctx := context.Background()

	reg, err := mastodon.RegisterApp(ctx, &mastodon.AppConfig{
		Server: in.URL, ClientName: "go-mastodon test", Scopes: "read write follow", Website: "https://github.com/mattn/go-mastodon",
	})
	if err != nil {
		t.Fatal(err)
	}
	if reg.RedirectURI != "urn:ietf:wg:oauth:2.0:oob" || reg.ClientID == "" || reg.ClientSecret == "" || reg.ID == "" {
		t.Fatalf("app: %+v", reg)
	}

	// The browser part: go-mastodon's AuthURI, then the oob page shows the code.
	authURI, _ := url.Parse(reg.AuthURI)
	b := newBrowser(t, in)
	resp, page := b.signInTo(authURI.Query(), "bob", bob.Password)
	if resp.StatusCode != 200 {
		t.Fatalf("consent: %d %s", resp.StatusCode, page)
	}
	resp, page = b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize"})
	m := regexp.MustCompile(`id="code">([A-Za-z0-9_-]+)<`).FindSubmatch(page)
	if resp.StatusCode != 200 || m == nil || resp.Header.Get("Location") != "" {
		t.Fatalf("oob page: %d %s", resp.StatusCode, page)
	}

	c := mastodon.NewClient(&mastodon.Config{Server: in.URL, ClientID: reg.ClientID, ClientSecret: reg.ClientSecret})
	if err := c.AuthenticateToken(ctx, string(m[1]), reg.RedirectURI); err != nil {
		t.Fatalf("AuthenticateToken: %v", err)
	}
	av, err := c.VerifyAppCredentials(ctx)
	if err != nil || av.Name != "go-mastodon test" || av.Website != "https://github.com/mattn/go-mastodon" {
		t.Fatalf("VerifyAppCredentials: %+v %v", av, err)
	}
	if resp, body := bearerGet(in, "/oauth/userinfo", c.Config.AccessToken); resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"preferred_username":"bob"`)) {
		t.Fatalf("userinfo: %d %s", resp.StatusCode, body)
	}

	// Password grant, by email (as Mastodon expects) and by username.
	for _, login := range []string{"bob@example.com", "bob"} {
		pc := mastodon.NewClient(&mastodon.Config{Server: in.URL, ClientID: reg.ClientID, ClientSecret: reg.ClientSecret})
		if err := pc.Authenticate(ctx, login, bob.Password); err != nil {
			t.Fatalf("Authenticate(%s): %v", login, err)
		}
		if _, err := pc.VerifyAppCredentials(ctx); err != nil {
			t.Fatalf("password token: %v", err)
		}
		if pc.Config.AccessToken == c.Config.AccessToken {
			t.Fatal("the same token twice")
		}
	}
	bad := mastodon.NewClient(&mastodon.Config{Server: in.URL, ClientID: reg.ClientID, ClientSecret: reg.ClientSecret})
	if err := bad.Authenticate(ctx, "bob@example.com", "wrong password"); err == nil {
		t.Fatal("a wrong password gave a token")
	}
}

func equalJSON(a, b any) bool {
	as, bs := strings.TrimSpace(jsonString(a)), strings.TrimSpace(jsonString(b))
	return as == bs
}
