package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/kontortest"
)

// A profile field linking to a page that links back with rel="me" gets
// verified_at (API and profile page); a page without the link back does not;
// when the page drops the link, the next check clears it.
func TestProfileLinkVerification(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	profile := in.URL + "/@jane"
	var linksBack atomic.Bool
	linksBack.Store(true)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/company":
			if linksBack.Load() {
				w.Write([]byte(`<html><body><p>Team</p><a href="https://elsewhere.example/">x</a><a class="x" rel="noopener me" href="` + profile + `">Jane on Kontor</a></body></html>`))
			} else {
				w.Write([]byte(`<html><body><a href="` + profile + `">Jane, no rel=me</a></body></html>`))
			}
		case "/blog":
			w.Write([]byte(`<html><head><link rel="me" href="` + in.URL + `/users/jane"></head><body>blog</body></html>`))
		case "/other":
			w.Write([]byte(`<html><body><a rel="me" href="` + in.URL + `/@someone_else">not jane</a></body></html>`))
		}
	}))
	defer site.Close()
	if !strings.HasPrefix(site.URL, "http://127.0.0.1:") {
		t.Fatalf("test site at %s", site.URL)
	}

	update := func() {
		t.Helper()
		resp, body := in.Do("PATCH", "/api/v1/accounts/update_credentials", []byte(url.Values{
			"fields_attributes[0][name]": {"Company"}, "fields_attributes[0][value]": {site.URL + "/company"},
			"fields_attributes[1][name]": {"Blog"}, "fields_attributes[1][value]": {site.URL + "/blog"},
			"fields_attributes[2][name]": {"Other"}, "fields_attributes[2][value]": {site.URL + "/other"},
			"fields_attributes[3][name]": {"Team"}, "fields_attributes[3][value]": {"Sales"},
		}.Encode()), "Content-Type: application/x-www-form-urlencoded", "Authorization: Bearer "+jane.Token)
		if resp.StatusCode != 200 {
			t.Fatalf("update_credentials: %d %s", resp.StatusCode, body)
		}
	}
	type field struct {
		Name       string  `json:"name"`
		VerifiedAt *string `json:"verified_at"`
	}
	fields := func() []field {
		t.Helper()
		resp, body := in.Get("/api/v1/accounts/"+acctID(jane), "Authorization: Bearer "+jane.Token)
		var a struct {
			Fields []field `json:"fields"`
		}
		if err := json.Unmarshal(body, &a); resp.StatusCode != 200 || err != nil || len(a.Fields) != 4 {
			t.Fatalf("account: %d %s", resp.StatusCode, body)
		}
		return a.Fields
	}
	update()
	kontortest.Eventually(t, 10*time.Second, "the company link to be verified", func() bool {
		f := fields()
		return f[0].VerifiedAt != nil && f[1].VerifiedAt != nil
	})
	f := fields()
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", *f[0].VerifiedAt); err != nil {
		t.Errorf("verified_at %q: %v", *f[0].VerifiedAt, err)
	}
	if f[2].VerifiedAt != nil || f[3].VerifiedAt != nil {
		t.Errorf("a page linking to someone else, and plain text, are not verified: %+v %+v", f[2], f[3])
	}
	// The verified field in raw JSON: verified_at present; unverified: null.
	_, body := in.Get("/api/v1/accounts/verify_credentials", "Authorization: Bearer "+jane.Token)
	if !strings.Contains(string(body), `"name":"Team","value":"Sales","verified_at":null`) {
		t.Errorf("verify_credentials fields: %s", body)
	}
	resp, page := in.Get("/@jane", "Accept: text/html")
	if resp.StatusCode != 200 || strings.Count(string(page), `class="verified"`) != 2 || !strings.Contains(string(page), "<time datetime=") {
		t.Errorf("profile page does not show the two verified links: %d\n%s", resp.StatusCode, page)
	}

	// The company page drops the link back; saving again re-checks.
	linksBack.Store(false)
	update()
	kontortest.Eventually(t, 10*time.Second, "the company link to lose verification", func() bool {
		f := fields()
		return f[0].VerifiedAt == nil && f[1].VerifiedAt != nil
	})
}
