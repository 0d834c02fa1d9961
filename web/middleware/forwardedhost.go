package middleware

import (
	"net"
	"net/http"
	"strings"
)

// ForwardedHost sets r.Host to the X-Forwarded-Host a trusted proxy passes
// (the host the client addressed, when the proxy sends its own in Host), so
// that signatures are checked against the host they were made for. From
// any other peer the header means nothing. It must run before RealIP,
// which replaces the proxy's address with the client's.
func ForwardedHost(trusted []*net.IPNet) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(trusted) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if fwd := r.Header.Get("X-Forwarded-Host"); fwd != "" && fromTrusted(r, trusted) {
				// The first entry is the host the client addressed.
				first, _, _ := strings.Cut(fwd, ",")
				if h := strings.TrimSpace(first); validHostHeader(h) {
					r.Host = h
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// fromTrusted reports whether the connection comes from a trusted proxy.
func fromTrusted(r *http.Request, trusted []*net.IPNet) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	if err != nil || ip == nil {
		return false
	}
	for _, n := range trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// validHostHeader accepts host or host:port made of the characters a host
// name, an IPv4 or a bracketed IPv6 address use.
func validHostHeader(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := range len(h) {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-:[]_", c) >= 0) {
			return false
		}
	}
	return true
}
