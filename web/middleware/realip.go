package middleware

import (
	"net"
	"net/http"
	"strings"
)

// RealIP replaces r.RemoteAddr with the client address from X-Forwarded-For
// when the connection comes from a trusted proxy: the rightmost address that
// is not itself a trusted proxy (earlier entries can be forged by the client).
func RealIP(trusted []*net.IPNet) func(http.Handler) http.Handler {
	isTrusted := func(ip net.IP) bool {
		for _, n := range trusted {
			if n.Contains(ip) {
				return true
			}
		}
		return false
	}
	return func(next http.Handler) http.Handler {
		if len(trusted) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil || !isTrusted(net.ParseIP(host)) {
				next.ServeHTTP(w, r)
				return
			}
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				ip := net.ParseIP(strings.TrimSpace(hops[i]))
				if ip == nil {
					break
				}
				if !isTrusted(ip) || i == 0 {
					r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
					break
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
