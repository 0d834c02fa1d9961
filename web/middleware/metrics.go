package middleware

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/metrics"
)

// Metrics counts requests by chi route pattern (never the raw path, so the
// series stay few) and status, with their latency. Without metrics it adds
// nothing to the request.
func Metrics(m *metrics.Set) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if m == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			m.HTTPRequest(route, r.Method, status, time.Since(start))
		})
	}
}
