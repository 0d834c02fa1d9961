package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRefuseNUL(t *testing.T) {
	var got string
	h := RefuseNUL(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/form" {
			r.ParseForm()
			got = r.PostFormValue("text")
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	cases := []struct {
		name, method, target, ctype, body string
		want                              int
	}{
		{"path", "GET", "/users/a%00b", "", "", 422},
		{"query", "GET", "/search?q=a%00b", "", "", 422},
		{"query key", "GET", "/search?a%00=b", "", "", 422},
		{"form body", "POST", "/form", "application/x-www-form-urlencoded", "text=a%00b", 422},
		{"form body, charset", "POST", "/form", "application/x-www-form-urlencoded; charset=utf-8", "text=%00", 422},
		{"escaped percent", "GET", "/search?q=100%2500", "", "", 204},
		{"fine form", "POST", "/form", "application/x-www-form-urlencoded", "text=50%25+00", 204},
		{"JSON left to its parser", "POST", "/json", "application/json", `{"text":"a\u0000"}`, 204},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
		if c.want == 422 {
			if b, _ := io.ReadAll(rec.Body); !strings.Contains(string(b), `"error"`) {
				t.Errorf("%s: body %s", c.name, b)
			}
		}
	}
	// The handler still reads the form body the middleware looked at.
	if got != "50% 00" {
		t.Errorf("form read after the check: %q", got)
	}
	// A browser gets a page.
	req := httptest.NewRequest("GET", "/@alice%00", nil)
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 422 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("page: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}
