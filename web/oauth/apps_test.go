package oauth_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/kontortest"
)

// Elk sends JSON, Phanpy and Tusky forms, masto multipart: /api/v1/apps and
// /oauth/token read them all alike.
func TestBodies(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")

	type appReply struct {
		Scopes       []string `json:"scopes"`
		RedirectURI  string   `json:"redirect_uri"`
		RedirectURIs []string `json:"redirect_uris"`
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		Website      *string  `json:"website"`
		Error        string   `json:"error"`
	}
	mp, mpType := multipartBody([][2]string{{"client_name", "masto"}, {"redirect_uris", "https://a.example/cb"},
		{"scopes", "read write"}, {"website", "https://a.example"}})
	mpIndexed, mpIndexedType := multipartBody([][2]string{{"client_name", "masto"}, {"redirect_uris[0]", "https://a.example/cb"},
		{"redirect_uris[1]", tusky}, {"scopes", "read"}})
	apps := []struct {
		name, contentType, body string
		scopes, uris            []string
	}{
		{"json string", "application/json", `{"client_name":"Elk","redirect_uris":"https://elk.zone/api/callback","scopes":"read write follow push","website":"https://elk.zone"}`,
			[]string{"read", "write", "follow", "push"}, []string{"https://elk.zone/api/callback"}},
		{"json array", "application/json; charset=utf-8", `{"client_name":"Elk","redirect_uris":["https://elk.zone/cb",` + jsonString(tusky) + `],"scopes":"read"}`,
			[]string{"read"}, []string{"https://elk.zone/cb", tusky}},
		{"json no scopes", "application/json", `{"client_name":"Elk","redirect_uris":"urn:ietf:wg:oauth:2.0:oob"}`,
			[]string{"read"}, []string{"urn:ietf:wg:oauth:2.0:oob"}},
		{"form", "application/x-www-form-urlencoded", url.Values{"client_name": {"Tusky"}, "redirect_uris": {tusky}, "scopes": {"read write follow push"}}.Encode(),
			[]string{"read", "write", "follow", "push"}, []string{tusky}},
		{"form array", "application/x-www-form-urlencoded", url.Values{"client_name": {"x"}, "redirect_uris[]": {"https://a.example/1", "https://a.example/2"}, "scopes": {"read+write"}}.Encode(),
			[]string{"read", "write"}, []string{"https://a.example/1", "https://a.example/2"}},
		{"form newline-separated", "application/x-www-form-urlencoded", url.Values{"client_name": {"x"}, "redirect_uris": {"https://a.example/1\nurn:ietf:wg:oauth:2.0:oob\n"}}.Encode(),
			[]string{"read"}, []string{"https://a.example/1", "urn:ietf:wg:oauth:2.0:oob"}},
		{"multipart", mpType, string(mp), []string{"read", "write"}, []string{"https://a.example/cb"}},
		{"multipart indexed", mpIndexedType, string(mpIndexed), []string{"read"}, []string{"https://a.example/cb", tusky}},
	}
	var registered []appReply
	for _, tc := range apps {
		t.Run("apps "+tc.name, func(t *testing.T) {
			resp, body := in.Do("POST", "/api/v1/apps", []byte(tc.body), "Content-Type: "+tc.contentType)
			var r appReply
			mustJSON(t, body, &r)
			if resp.StatusCode != 200 || !slices.Equal(r.Scopes, tc.scopes) || !slices.Equal(r.RedirectURIs, tc.uris) ||
				r.RedirectURI != strings.Join(tc.uris, "\n") || r.ClientID == "" || r.ClientSecret == "" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			registered = append(registered, r)
		})
	}

	t.Run("apps refused", func(t *testing.T) {
		for _, tc := range []struct{ name, body, field string }{
			{"no client_name", `{"redirect_uris":"https://a.example/cb"}`, "client_name"},
			{"blank client_name", `{"client_name":"  ","redirect_uris":"https://a.example/cb"}`, "client_name"},
			{"no redirect_uris", `{"client_name":"x"}`, "redirect_uris"},
			{"javascript:", `{"client_name":"x","redirect_uris":"javascript:alert(1)"}`, "redirect_uris"},
			{"JavaScript: in an array", `{"client_name":"x","redirect_uris":["https://a.example/cb","JavaScript:alert(1)"]}`, "redirect_uris"},
			{"data:", `{"client_name":"x","redirect_uris":"data:text/html,hi"}`, "redirect_uris"},
			{"fragment", `{"client_name":"x","redirect_uris":"https://a.example/cb#frag"}`, "redirect_uris"},
			{"relative", `{"client_name":"x","redirect_uris":"/callback"}`, "redirect_uris"},
			{"unparsable", `{"client_name":"x","redirect_uris":"https://[::1/cb"}`, "redirect_uris"},
			{"http without host", `{"client_name":"x","redirect_uris":"https:///cb"}`, "redirect_uris"},
			{"unknown scope", `{"client_name":"x","redirect_uris":"https://a.example/cb","scopes":"read bogus"}`, "scopes"},
			{"bad website", `{"client_name":"x","redirect_uris":"https://a.example/cb","website":"javascript:alert(1)"}`, "website"},
		} {
			resp, body := in.Do("POST", "/api/v1/apps", []byte(tc.body), "Content-Type: application/json")
			var r appReply
			mustJSON(t, body, &r)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Error, tc.field) {
				t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
			}
		}
		for _, body := range []string{`{"client_name":`, `["x"]`, `{"client_name":{"a":1},"redirect_uris":"https://a.example/cb"}`} {
			if resp, b := in.Do("POST", "/api/v1/apps", []byte(body), "Content-Type: application/json"); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("malformed %s: %d %s", body, resp.StatusCode, b)
			}
		}
	})

	// The password grant in every body type (client_credentials with Basic
	// is in the token test).
	if len(registered) == 0 {
		t.Fatal("no app registered")
	}
	a := registered[0]
	mpTok, mpTokType := multipartBody([][2]string{{"grant_type", "password"}, {"client_id", a.ClientID}, {"client_secret", a.ClientSecret},
		{"username", "alice@example.com"}, {"password", alice.Password}, {"scope", "read write"}})
	for _, tc := range []struct{ name, contentType, body string }{
		{"json", "application/json", `{"grant_type":"password","client_id":` + jsonString(a.ClientID) + `,"client_secret":` + jsonString(a.ClientSecret) +
			`,"username":"alice@example.com","password":` + jsonString(alice.Password) + `,"scope":"read write"}`},
		{"form", "application/x-www-form-urlencoded", url.Values{"grant_type": {"password"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret},
			"username": {"alice@example.com"}, "password": {alice.Password}, "scope": {"read write"}}.Encode()},
		{"multipart", mpTokType, string(mpTok)},
	} {
		t.Run("token "+tc.name, func(t *testing.T) {
			resp, body := in.Do("POST", "/oauth/token", []byte(tc.body), "Content-Type: "+tc.contentType)
			var r tokenReply
			mustJSON(t, body, &r)
			if resp.StatusCode != 200 || r.AccessToken == "" || r.Scope != "read write" || r.TokenType != "Bearer" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
			}
		})
	}
	t.Run("token malformed body", func(t *testing.T) {
		resp, body := in.Do("POST", "/oauth/token", []byte(`{"grant_type":`), "Content-Type: application/json")
		var r tokenReply
		mustJSON(t, body, &r)
		if resp.StatusCode != 400 || r.Error != "invalid_request" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})

	t.Run("verify_credentials", func(t *testing.T) {
		if resp, _ := in.Get("/api/v1/apps/verify_credentials"); resp.StatusCode != 401 {
			t.Errorf("no token: %d", resp.StatusCode)
		}
		if resp, _ := bearerGet(in, "/api/v1/apps/verify_credentials", "bogus"); resp.StatusCode != 401 {
			t.Errorf("bad token: %d", resp.StatusCode)
		}
		// A token from the admin CLI belongs to no app.
		if resp, body := bearerGet(in, "/api/v1/apps/verify_credentials", alice.Token); resp.StatusCode != 404 {
			t.Errorf("app-less token: %d %s", resp.StatusCode, body)
		}
	})
}
