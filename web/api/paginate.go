package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
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

// setPageLink is setLink for a page of items, newest first, whose cursors
// cursor gives.
func setPageLink[T any](h *Handlers, w http.ResponseWriter, r *http.Request, page []T, cursor func(T) int64) {
	if len(page) > 0 {
		h.setLink(w, r, cursor(page[0]), cursor(page[len(page)-1]), len(page))
	}
}

// setStatusLink is setLink for a page of statuses (cursors are status IDs).
func (h *Handlers) setStatusLink(w http.ResponseWriter, r *http.Request, list []*db.Status) {
	setPageLink(h, w, r, list, func(s *db.Status) int64 { return s.ID })
}

// setCursorLink is setLink for a page whose row cursors are given newest
// first.
func (h *Handlers) setCursorLink(w http.ResponseWriter, r *http.Request, cursors []int64) {
	setPageLink(h, w, r, cursors, func(id int64) int64 { return id })
}

// requirePage is require, then the paging parameters (default def, at most
// most): when ok is false the handler returns err.
func (h *Handlers) requirePage(w http.ResponseWriter, r *http.Request, scope string, def, most int) (a *auth.Caller, page db.Page, ok bool, err error) {
	if a, ok = h.require(w, r, scope); !ok {
		return nil, page, false, nil
	}
	if page, err = pageParams(r, def, most); err != nil {
		return nil, page, false, err
	}
	return a, page, true, nil
}
