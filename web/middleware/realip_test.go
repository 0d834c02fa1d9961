package middleware

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRealIP(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
	cases := []struct {
		name, remote, xff, want string
	}{
		{"untrusted peer keeps its address", "203.0.113.9:5555", "1.2.3.4", "203.0.113.9:5555"},
		{"trusted proxy, one hop", "10.0.0.2:80", "198.51.100.7", "198.51.100.7:0"},
		{"forged prefix ignored", "10.0.0.2:80", "6.6.6.6, 198.51.100.7", "198.51.100.7:0"},
		{"chain of proxies", "10.0.0.2:80", "198.51.100.7, 10.0.0.3", "198.51.100.7:0"},
		{"garbage stops the walk", "10.0.0.2:80", "junk", "10.0.0.2:80"},
		{"no header", "10.0.0.2:80", "", "10.0.0.2:80"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got string
			h := RealIP([]*net.IPNet{proxies})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != c.want {
				t.Errorf("RemoteAddr %q, want %q", got, c.want)
			}
		})
	}
}
