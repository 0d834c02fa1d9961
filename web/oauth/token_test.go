package oauth_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/oauth"
)

func TestTokenEndpoint(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	a := registerApp(t, in, tusky, "read write follow")
	exchange := func(code, verifier string, extra ...string) tokenReply {
		v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tusky}, "client_id": {a.ClientID}}
		if verifier != "" {
			v.Set("code_verifier", verifier)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				v.Del(extra[i])
			} else {
				v.Set(extra[i], extra[i+1])
			}
		}
		return postToken(t, in.URL, v)
	}
	works := func(token string) bool {
		resp, _ := bearerGet(in, "/api/v1/apps/verify_credentials", token)
		return resp.StatusCode == 200
	}

	t.Run("bad PKCE verifier", func(t *testing.T) {
		verifier, challenge := pkce()
		code := getCode(t, in, a, tusky, "read", challenge, alice)
		other, _ := pkce()
		wantTokenError(t, exchange(code, other), 400, "invalid_grant")
		wantTokenError(t, exchange(code, ""), 400, "invalid_grant")
		// The code was not burnt by the failures: the right verifier works.
		if r := exchange(code, verifier); r.Status != 200 {
			t.Fatalf("right verifier: %+v", r)
		}
	})

	t.Run("plain PKCE", func(t *testing.T) {
		verifier, _ := pkce()
		q := authorizeQuery(a, tusky, "read", "", "")
		q.Set("code_challenge", verifier)
		q.Set("code_challenge_method", "plain")
		resp, _ := newBrowser(t, in).approve(q, "alice", alice.Password)
		code, _ := codeFrom(t, resp, tusky)
		if r := exchange(code, verifier); r.Status != 200 {
			t.Fatalf("plain: %+v", r)
		}
	})

	t.Run("verifier without a challenge", func(t *testing.T) {
		code := getCode(t, in, a, tusky, "read", "", alice)
		verifier, _ := pkce()
		wantTokenError(t, exchange(code, verifier, "client_secret", a.ClientSecret), 400, "invalid_grant")
	})

	t.Run("no PKCE needs the client secret", func(t *testing.T) {
		code := getCode(t, in, a, tusky, "read", "", alice)
		wantTokenError(t, exchange(code, ""), 401, "invalid_client")
		wantTokenError(t, exchange(code, "", "client_secret", "wrong"), 401, "invalid_client")
		if r := exchange(code, "", "client_secret", a.ClientSecret); r.Status != 200 {
			t.Fatalf("with secret: %+v", r)
		}
	})

	t.Run("a wrong secret fails even with PKCE", func(t *testing.T) {
		verifier, challenge := pkce()
		code := getCode(t, in, a, tusky, "read", challenge, alice)
		wantTokenError(t, exchange(code, verifier, "client_secret", "wrong"), 401, "invalid_client")
	})

	t.Run("code reuse revokes the first token", func(t *testing.T) {
		verifier, challenge := pkce()
		code := getCode(t, in, a, tusky, "read", challenge, alice)
		first := exchange(code, verifier)
		if first.Status != 200 || !works(first.AccessToken) {
			t.Fatalf("first: %+v", first)
		}
		wantTokenError(t, exchange(code, verifier), 400, "invalid_grant")
		if works(first.AccessToken) {
			t.Fatal("the token from a replayed code still works")
		}
		// Its refresh token is dead too.
		r := postToken(t, in.URL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken},
			"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}})
		wantTokenError(t, r, 400, "invalid_grant")
	})

	t.Run("code reuse after a refresh revokes the refreshed token", func(t *testing.T) {
		verifier, challenge := pkce()
		code := getCode(t, in, a, tusky, "read", challenge, alice)
		first := exchange(code, verifier)
		second := postToken(t, in.URL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken},
			"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}})
		if second.Status != 200 || !works(second.AccessToken) {
			t.Fatalf("refresh: %+v", second)
		}
		wantTokenError(t, exchange(code, verifier), 400, "invalid_grant")
		if works(second.AccessToken) {
			t.Fatal("the successor of a replayed code's token still works")
		}
	})

	t.Run("wrong redirect_uri, wrong client, unknown code", func(t *testing.T) {
		verifier, challenge := pkce()
		code := getCode(t, in, a, tusky, "read", challenge, alice)
		wantTokenError(t, exchange(code, verifier, "redirect_uri", "oauth2redirect://other/"), 400, "invalid_grant")
		wantTokenError(t, exchange(code, verifier, "redirect_uri", ""), 400, "invalid_request")
		b := registerApp(t, in, tusky, "read")
		wantTokenError(t, exchange(code, verifier, "client_id", b.ClientID), 400, "invalid_grant")
		wantTokenError(t, exchange("no-such-code", verifier), 400, "invalid_grant")
		wantTokenError(t, exchange("", verifier), 400, "invalid_request")
		wantTokenError(t, exchange(code, verifier, "client_id", "no-such-client"), 401, "invalid_client")
		if r := exchange(code, verifier); r.Status != 200 {
			t.Fatalf("after the failures the code still works: %+v", r)
		}
	})

	t.Run("expired code", func(t *testing.T) {
		verifier, challenge := pkce()
		code := getCode(t, in, a, tusky, "read", challenge, alice)
		// The same instance's store, eleven minutes later.
		later := oauth.New(oauth.Deps{Config: in.Config, DB: in.DB, Engine: in.Engine(), Logger: kontortest.Logger(t),
			Now: func() time.Time { return time.Now().Add(11 * time.Minute) }})
		r := chi.NewRouter()
		later.Routes(r)
		srv := httptest.NewServer(r)
		defer srv.Close()
		reply := postToken(t, srv.URL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tusky},
			"client_id": {a.ClientID}, "code_verifier": {verifier}})
		wantTokenError(t, reply, 400, "invalid_grant")
		// Nine minutes on, it still works.
		sooner := oauth.New(oauth.Deps{Config: in.Config, DB: in.DB, Engine: in.Engine(), Logger: kontortest.Logger(t),
			Now: func() time.Time { return time.Now().Add(9 * time.Minute) }})
		r2 := chi.NewRouter()
		sooner.Routes(r2)
		srv2 := httptest.NewServer(r2)
		defer srv2.Close()
		if reply := postToken(t, srv2.URL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tusky},
			"client_id": {a.ClientID}, "code_verifier": {verifier}}); reply.Status != 200 {
			t.Fatalf("within ten minutes: %+v", reply)
		}
	})

	t.Run("client_secret_basic", func(t *testing.T) {
		code := getCode(t, in, a, tusky, "read write", "", alice)
		basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(a.ClientID)+":"+url.QueryEscape(a.ClientSecret)))
		r := postToken(t, in.URL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tusky}}, basic)
		if r.Status != 200 || r.Scope != "read write" || !works(r.AccessToken) {
			t.Fatalf("basic: %+v", r)
		}
		wrong := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(a.ClientID+":nope"))
		reply := postToken(t, in.URL, url.Values{"grant_type": {"client_credentials"}}, wrong)
		wantTokenError(t, reply, 401, "invalid_client")
	})

	t.Run("password grant scopes", func(t *testing.T) {
		v := url.Values{"grant_type": {"password"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
			"username": {"alice@example.com"}, "password": {alice.Password}}
		r := postToken(t, in.URL, v)
		if r.Status != 200 || r.Scope != "read" || r.RefreshToken == "" {
			t.Fatalf("default scope: %+v", r)
		}
		v.Set("scope", "read write push")
		wantTokenError(t, postToken(t, in.URL, v), 400, "invalid_scope")
		v.Set("scope", "read:statuses write:media")
		if r := postToken(t, in.URL, v); r.Status != 200 || r.Scope != "read:statuses write:media" {
			t.Fatalf("granular: %+v", r)
		}
		v.Del("client_secret")
		v.Set("scope", "read")
		wantTokenError(t, postToken(t, in.URL, v), 401, "invalid_client")
	})

	t.Run("client_credentials", func(t *testing.T) {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}
		r := postToken(t, in.URL, v)
		if r.Status != 200 || r.Scope != "read" || r.RefreshToken != "" || !works(r.AccessToken) {
			t.Fatalf("client_credentials: %+v", r)
		}
		// An app token has no user.
		if resp, _ := bearerGet(in, "/oauth/userinfo", r.AccessToken); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("userinfo with an app token: %d", resp.StatusCode)
		}
		v.Set("scope", "admin:read")
		wantTokenError(t, postToken(t, in.URL, v), 400, "invalid_scope")
		v.Set("scope", "read")
		v.Set("client_secret", "wrong")
		wantTokenError(t, postToken(t, in.URL, v), 401, "invalid_client")
	})

	t.Run("refresh rotates both tokens", func(t *testing.T) {
		code := getCode(t, in, a, tusky, "read write", "", alice)
		first := exchange(code, "", "client_secret", a.ClientSecret)
		v := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}
		second := postToken(t, in.URL, v)
		if second.Status != 200 || second.AccessToken == first.AccessToken || second.RefreshToken == "" ||
			second.RefreshToken == first.RefreshToken || second.Scope != "read write" {
			t.Fatalf("refresh: %+v", second)
		}
		if works(first.AccessToken) || !works(second.AccessToken) {
			t.Fatal("old access token must stop working, the new one work")
		}
		wantTokenError(t, postToken(t, in.URL, v), 400, "invalid_grant") // the old refresh token is spent
		v.Set("refresh_token", second.RefreshToken)
		v.Set("scope", "read write follow")
		wantTokenError(t, postToken(t, in.URL, v), 400, "invalid_scope")
		v.Set("scope", "read")
		third := postToken(t, in.URL, v)
		if third.Status != 200 || third.Scope != "read" {
			t.Fatalf("narrowed refresh: %+v", third)
		}
		// Another app cannot use the refresh token.
		b := registerApp(t, in, tusky, "read")
		wantTokenError(t, postToken(t, in.URL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {third.RefreshToken},
			"client_id": {b.ClientID}, "client_secret": {b.ClientSecret}}), 400, "invalid_grant")
	})

	t.Run("revoke", func(t *testing.T) {
		verifier, challenge := pkce()
		tok := exchange(getCode(t, in, a, tusky, "read", challenge, alice), verifier)
		// Another app cannot revoke it (but is told 200).
		b := registerApp(t, in, tusky, "read")
		r := postTo(t, in.URL+"/oauth/revoke", url.Values{"client_id": {b.ClientID}, "client_secret": {b.ClientSecret}, "token": {tok.AccessToken}})
		if r.Status != 200 || !works(tok.AccessToken) {
			t.Fatalf("revoke by another app: %+v", r)
		}
		resp, body := in.Do("POST", "/oauth/revoke", []byte(url.Values{"client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
			"token": {tok.AccessToken}}.Encode()), "Content-Type: application/x-www-form-urlencoded")
		if resp.StatusCode != 200 || string(body) != "{}" {
			t.Fatalf("revoke: %d %s", resp.StatusCode, body)
		}
		if resp, _ := bearerGet(in, "/api/v1/apps/verify_credentials", tok.AccessToken); resp.StatusCode != 401 {
			t.Fatalf("revoked token on the API: %d", resp.StatusCode)
		}
		if resp, _ := bearerGet(in, "/oauth/userinfo", tok.AccessToken); resp.StatusCode != 401 {
			t.Fatalf("revoked token on userinfo: %d", resp.StatusCode)
		}
		for _, token := range []string{tok.AccessToken, "never-issued"} {
			if r := postTo(t, in.URL+"/oauth/revoke", url.Values{"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "token": {token}}); r.Status != 200 {
				t.Fatalf("revoke %s again: %+v", token, r)
			}
		}
		wantTokenError(t, postTo(t, in.URL+"/oauth/revoke", url.Values{"client_id": {a.ClientID}, "client_secret": {"wrong"}, "token": {"x"}}), 401, "invalid_client")
	})

	t.Run("grant types", func(t *testing.T) {
		wantTokenError(t, postToken(t, in.URL, url.Values{"grant_type": {"implicit"}, "client_id": {a.ClientID}}), 400, "unsupported_grant_type")
		wantTokenError(t, postToken(t, in.URL, url.Values{"client_id": {a.ClientID}}), 400, "invalid_request")
	})
}

func TestMetadataAndCORS(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	resp, body := in.Get("/.well-known/oauth-authorization-server")
	var m map[string]any
	mustJSON(t, body, &m)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	for k, want := range map[string]string{
		"issuer": in.URL, "authorization_endpoint": in.URL + "/oauth/authorize", "token_endpoint": in.URL + "/oauth/token",
		"revocation_endpoint": in.URL + "/oauth/revoke", "userinfo_endpoint": in.URL + "/oauth/userinfo",
		"app_registration_endpoint": in.URL + "/api/v1/apps",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %s", k, m[k], want)
		}
	}
	contains := func(k, v string) bool {
		list, _ := m[k].([]any)
		for _, e := range list {
			if e == v {
				return true
			}
		}
		return false
	}
	for k, vs := range map[string][]string{
		"code_challenge_methods_supported":      {"S256"},
		"response_types_supported":              {"code"},
		"grant_types_supported":                 {"authorization_code", "client_credentials", "password", "refresh_token"},
		"scopes_supported":                      {"read", "write", "follow", "push", "profile", "read:statuses", "admin:read:accounts"},
		"token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post"},
	} {
		for _, v := range vs {
			if !contains(k, v) {
				t.Errorf("%s lacks %s", k, v)
			}
		}
	}
	if m["service_documentation"] == nil {
		t.Error("no service_documentation")
	}

	for _, path := range []string{"/oauth/token", "/oauth/revoke", "/oauth/userinfo", "/.well-known/oauth-authorization-server", "/api/v1/apps"} {
		resp, _ := in.Do("OPTIONS", path, nil, "Origin: https://phanpy.social", "Access-Control-Request-Method: POST",
			"Access-Control-Request-Headers: content-type")
		if resp.StatusCode >= 300 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Headers") == "" {
			t.Errorf("preflight %s: %d %v", path, resp.StatusCode, resp.Header)
		}
	}
	r := postToken(t, in.URL, url.Values{"grant_type": {"password"}})
	if r.Status != 401 {
		t.Errorf("token without a client: %+v", r)
	}
	resp, _ = in.Do("POST", "/oauth/token", []byte("grant_type=password"), "Content-Type: application/x-www-form-urlencoded", "Origin: https://phanpy.social")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("token reply lacks CORS: %v", resp.Header)
	}
}
