package middleware

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kontor-social/kontor/web/render"
)

// NULMessage is the error answered to a request with a NUL character in a
// parameter. The stores cannot hold U+0000 in text (PostgreSQL refuses it,
// and bun refuses to quote it on both dialects), so it would otherwise be
// a 500 wherever the text reaches a query.
const NULMessage = "Validation failed: parameters must not contain NUL characters"

// HasNUL reports whether a key or a value of vals contains a NUL character.
func HasNUL(vals map[string][]string) bool {
	for k, vs := range vals {
		if strings.IndexByte(k, 0) >= 0 {
			return true
		}
		for _, v := range vs {
			if strings.IndexByte(v, 0) >= 0 {
				return true
			}
		}
	}
	return false
}

// RefuseNUL answers 422 (JSON for the API, a page for browsers) to a
// request with a NUL character in its path, its query string or its
// form-urlencoded body. JSON and multipart bodies are checked where they
// are parsed (the API's ReadParams, the OAuth body reader).
func RefuseNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.IndexByte(r.URL.Path, 0) >= 0 || hasEscapedNUL(r.URL.RawQuery) {
			render.Error(w, r, http.StatusUnprocessableEntity, NULMessage)
			return
		}
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			render.Error(w, r, http.StatusRequestEntityTooLarge, "Request body too large")
			return
		case err != nil:
			render.Error(w, r, http.StatusBadRequest, "Could not read the request body")
			return
		case hasEscapedNUL(string(body)):
			render.Error(w, r, http.StatusUnprocessableEntity, NULMessage)
			return
		}
		// The handler reads the body as if nobody had.
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// hasEscapedNUL reports whether form-urlencoded text (a query string or a
// body) decodes to something with a NUL: %00, or a raw NUL byte.
func hasEscapedNUL(s string) bool {
	if strings.IndexByte(s, 0) >= 0 {
		return true
	}
	for i := strings.IndexByte(s, '%'); i >= 0 && i+2 < len(s); {
		if s[i+1] == '0' && s[i+2] == '0' {
			return true
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}
