package middleware

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestForwardedHost(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
	var got string
	h := ForwardedHost([]*net.IPNet{proxies})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Host }))
	for _, c := range []struct{ name, remote, fwd, want string }{
		{"trusted proxy", "10.1.2.3:5555", "social.example", "social.example"},
		{"trusted proxy, a list", "10.1.2.3:5555", "social.example:8443, backend", "social.example:8443"},
		{"untrusted peer", "203.0.113.9:5555", "social.example", "backend:8080"},
		{"no header", "10.1.2.3:5555", "", "backend:8080"},
		{"garbage", "10.1.2.3:5555", "a b/c", "backend:8080"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host, r.RemoteAddr = "backend:8080", c.remote
		if c.fwd != "" {
			r.Header.Set("X-Forwarded-Host", c.fwd)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("%s: Host %q, want %q", c.name, got, c.want)
		}
	}
}
