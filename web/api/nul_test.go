package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// nulCase is one request carrying a NUL character in one text parameter.
type nulCase struct {
	name, method, path string
	auth               bool
	body               any // JSON map, url.Values (form) or multipartFields
}

// multipartFields is a body sent as multipart/form-data.
type multipartFields map[string]string

// PostgreSQL refuses U+0000 in text, and bun refuses it in literals on both
// dialects: a NUL in any text parameter, anywhere it is read (body, query
// string, path), is a 422 with a JSON error, never a 500, and changes
// nothing.
func TestNULInParametersRefused(t *testing.T) {
	w := newMiscWorld(t)
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")
	bobID := db.FormatID(bob.Account.ID)
	const nul = "a\x00b"
	cases := []nulCase{
		{"status text", "POST", "/api/v1/statuses", true, map[string]any{"status": nul}},
		{"status text (form)", "POST", "/api/v1/statuses", true, url.Values{"status": {nul}}},
		{"status text (multipart)", "POST", "/api/v1/statuses", true, multipartFields{"status": nul}},
		{"spoiler_text", "POST", "/api/v1/statuses", true, map[string]any{"status": "ok", "spoiler_text": nul}},
		{"language", "POST", "/api/v1/statuses", true, map[string]any{"status": "ok", "language": "e\x00n"}},
		{"poll option", "POST", "/api/v1/statuses", true, map[string]any{"status": "ok", "poll": map[string]any{"options": []string{"x", nul}, "expires_in": 3600}}},
		{"display_name", "PATCH", "/api/v1/accounts/update_credentials", true, map[string]any{"display_name": nul}},
		{"note", "PATCH", "/api/v1/accounts/update_credentials", true, map[string]any{"note": nul}},
		{"list title", "POST", "/api/v1/lists", true, map[string]any{"title": nul}},
		{"filter title", "POST", "/api/v2/filters", true, map[string]any{"title": nul, "context": []string{"home"}}},
		{"filter keyword", "POST", "/api/v2/filters", true, map[string]any{"title": "t", "context": []string{"home"},
			"keywords_attributes": []map[string]any{{"keyword": nul}}}},
		{"v1 filter phrase", "POST", "/api/v1/filters", true, url.Values{"phrase": {nul}, "context[]": {"home"}}},
		{"account note", "POST", "/api/v1/accounts/" + bobID + "/note", true, map[string]any{"comment": nul}},
		{"report comment", "POST", "/api/v1/reports", true, map[string]any{"account_id": bobID, "comment": nul}},
		{"NUL in a key", "POST", "/api/v1/lists", true, map[string]any{"title": "ok", "x\x00": "y"}},
		{"search q", "GET", "/api/v2/search?q=a%00b", false, nil},
		{"search q (v1, signed in)", "GET", "/api/v2/search?q=a%00b&resolve=true", true, nil},
		{"tag timeline", "GET", "/api/v1/timelines/tag/a%00b", false, nil},
		{"lookup acct", "GET", "/api/v1/accounts/lookup?acct=a%00b", false, nil},
		{"app client_name", "POST", "/api/v1/apps", false, map[string]any{"client_name": nul, "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}},
		{"app client_name (form)", "POST", "/api/v1/apps", false, url.Values{"client_name": {nul}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}}},
		{"app website (query)", "POST", "/api/v1/apps?website=a%00b", false, url.Values{"client_name": {"x"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := ""
			if c.auth {
				token = alice.Token
			}
			resp, body := sendNUL(w, c, token)
			var e struct {
				Error string `json:"error"`
			}
			if resp.StatusCode != http.StatusUnprocessableEntity || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, "NUL") {
				t.Errorf("%s %s: %d %s", c.method, c.path, resp.StatusCode, body)
			}
		})
	}
	// Nothing was stored by the refused requests.
	var lists []any
	w.call("GET", "/api/v1/lists", alice.Token, nil, 200, &lists)
	var statuses []any
	w.call("GET", "/api/v1/accounts/"+db.FormatID(alice.Account.ID)+"/statuses", alice.Token, nil, 200, &statuses)
	if len(lists) != 0 || len(statuses) != 0 {
		t.Errorf("stored: %d lists, %d statuses", len(lists), len(statuses))
	}
	// A NUL-free request still works, and a NUL in an uploaded file is not text.
	w.call("POST", "/api/v1/statuses", alice.Token, map[string]any{"status": "fine"}, 200, nil)
}

func sendNUL(w *miscWorld, c nulCase, token string) (*http.Response, []byte) {
	w.t.Helper()
	mp, ok := c.body.(multipartFields)
	if !ok {
		return w.do(c.method, c.path, token, c.body)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range mp {
		mw.WriteField(k, v)
	}
	mw.Close()
	headers := []string{"Content-Type: " + mw.FormDataContentType()}
	if token != "" {
		headers = append(headers, "Authorization: Bearer "+token)
	}
	return w.in.Do(c.method, c.path, buf.Bytes(), headers...)
}
