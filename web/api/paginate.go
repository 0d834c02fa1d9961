package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kontor-social/kontor/db"
)

// pageParams reads max_id, since_id, min_id and limit (default def, at most most).
func pageParams(r *http.Request, def, most int) (db.Page, error) {
	q := r.URL.Query()
	var p db.Page
	for _, f := range []struct {
		key string
		dst *int64
	}{{"max_id", &p.MaxID}, {"since_id", &p.SinceID}, {"min_id", &p.MinID}} {
		if s := q.Get(f.key); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id < 0 {
				return p, fieldErr(f.key, "is not a valid ID")
			}
			*f.dst = id
		}
	}
	p.Limit = def
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, fieldErr("limit", "must be a number")
		}
		p.Limit = min(max(n, 1), most)
	}
	return p, nil
}

// setLink writes Mastodon's Link header for a page whose items span the
// cursor IDs newest..oldest: rel="next" continues with older items,
// rel="prev" with newer ones. An empty page gets no header (clients that
// follow links would otherwise loop forever). URLs are absolute, on the
// configured public host, and keep the other query parameters.
func (h *Handlers) setLink(w http.ResponseWriter, r *http.Request, newest, oldest int64, count int) {
	if count == 0 {
		return
	}
	next := h.pageURL(r, "max_id", oldest)
	prev := h.pageURL(r, "min_id", newest)
	w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="prev"`, next, prev))
}

func (h *Handlers) pageURL(r *http.Request, key string, id int64) string {
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if k == "max_id" || k == "min_id" || k == "since_id" || k == "access_token" {
			continue
		}
		q[k] = vs
	}
	q.Set(key, strconv.FormatInt(id, 10))
	return h.Config.BaseURL() + r.URL.Path + "?" + q.Encode()
}

// setStatusLink is setLink for a page of statuses (cursors are status IDs).
func (h *Handlers) setStatusLink(w http.ResponseWriter, r *http.Request, list []*db.Status) {
	if len(list) == 0 {
		return
	}
	h.setLink(w, r, list[0].ID, list[len(list)-1].ID, len(list))
}
