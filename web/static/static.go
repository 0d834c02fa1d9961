// Package static serves Kontor's built-in files: the default avatar and
// header images of accounts that have none, and the stylesheet and script
// of the signed-in pages.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"sync"
)

//go:embed *.png *.css *.js
var files embed.FS

// Handler serves the files under /static/ with long-lived caching (URL
// gives the fingerprinted address of a file that changes with releases).
func Handler() http.Handler {
	fs := http.StripPrefix("/static/", http.FileServer(http.FS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=86400")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fs.ServeHTTP(w, r)
	})
}

var fingerprints = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(data)
		out[e.Name()] = "/static/" + e.Name() + "?v=" + hex.EncodeToString(sum[:6])
	}
	return out
})

// URL is the address of a static file with its content's fingerprint, so
// pages can let browsers cache it for a year and still get a new release's
// file at once.
func URL(name string) string {
	if u, ok := fingerprints()[name]; ok {
		return u
	}
	return "/static/" + name
}
