package middleware

import (
	"net/http"
	"time"

	"github.com/kontor-social/kontor/db"
)

// FreshReads marks each request with the moment it began, so the store's
// read caches look for other processes' writes once per request rather
// than at each lookup (db.ReadsSince).
func FreshReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(db.ReadsSince(r.Context(), time.Now())))
	})
}
