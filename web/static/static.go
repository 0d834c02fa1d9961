// Package static serves Kontor's built-in files: the default avatar and
// header images of accounts that have none.
package static

import (
	"embed"
	"net/http"
)

//go:embed *.png
var files embed.FS

// Handler serves the files under /static/ with long-lived caching.
func Handler() http.Handler {
	fs := http.StripPrefix("/static/", http.FileServer(http.FS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fs.ServeHTTP(w, r)
	})
}
