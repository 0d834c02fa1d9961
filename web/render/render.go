// Package render writes responses the same way for every handler package:
// JSON bodies with the right content types, errors as {"error": "..."}, and
// the content negotiation between ActivityPub JSON and HTML.
package render

import (
	"encoding/json"
	"html/template"
	"iter"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Content types.
const (
	JSONType     = "application/json; charset=utf-8"
	ActivityType = "application/activity+json; charset=utf-8"
	JRDType      = "application/jrd+json; charset=utf-8"
	HTMLType     = "text/html; charset=utf-8"
)

// JSON writes v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, JSONType, v)
}

// Activity writes an ActivityPub document.
func Activity(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, ActivityType, v)
}

// JRD writes a WebFinger document.
func JRD(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, JRDType, v)
}

// TypedJSON writes v as JSON under a specific content type (NodeInfo's profile type, for one).
func TypedJSON(w http.ResponseWriter, status int, contentType string, v any) {
	writeJSON(w, status, contentType, v)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Error("render: marshal", "err", err)
		status = http.StatusInternalServerError
		body = []byte(`{"error":"Internal server error"}`)
		contentType = JSONType
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Status}} {{.Text}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{{.Status}} {{.Text}}</h1><p>{{.Msg}}</p></main></body></html>
`))

// Error writes an error: an HTML page for browsers, {"error": msg} for
// everything else (API clients and federation peers).
func Error(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if r != nil && PrefersHTML(r) && !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/oauth/token") {
		w.Header().Set("Content-Type", HTMLType)
		w.WriteHeader(status)
		errorPage.Execute(w, map[string]any{"Status": status, "Text": http.StatusText(status), "Msg": msg})
		return
	}
	JSON(w, status, map[string]string{"error": msg})
}

// PrefersHTML reports whether the request's Accept header ranks text/html
// above JSON: a browser asking for a page.
func PrefersHTML(r *http.Request) bool {
	html, jsonQ := acceptQ(r.Header.Get("Accept"))
	return html > 0 && html >= jsonQ
}

// WantsActivity reports whether the request asks for ActivityPub JSON
// (application/activity+json, or application/ld+json with the AS profile)
// rather than HTML.
func WantsActivity(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	best, bestQ := "", -1.0
	for mt, q := range mediaRanges(accept) {
		isAP := mt == "application/activity+json" || mt == "application/ld+json" || mt == "application/json"
		isHTML := mt == "text/html" || mt == "application/xhtml+xml"
		if !isAP && !isHTML {
			continue
		}
		// On a tie, prefer the more specific ActivityPub type.
		if q > bestQ || q == bestQ && isAP {
			best, bestQ = map[bool]string{true: "ap", false: "html"}[isAP], q
		}
	}
	return best == "ap" && bestQ > 0
}

func acceptQ(accept string) (html, jsonQ float64) {
	for mt, q := range mediaRanges(accept) {
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			html = max(html, q)
		case strings.HasSuffix(mt, "json"):
			jsonQ = max(jsonQ, q)
		}
	}
	return html, jsonQ
}

// mediaRanges yields the media types of an Accept header with their
// quality (1 when not given); unreadable ranges are skipped.
func mediaRanges(accept string) iter.Seq2[string, float64] {
	return func(yield func(string, float64) bool) {
		for part := range strings.SplitSeq(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					q = f
				}
			}
			if !yield(mt, q) {
				return
			}
		}
	}
}
