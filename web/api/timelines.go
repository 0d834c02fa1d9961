package api

import (
	"context"
	"net/http"
	"net/url"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
)

// Timelines: home, public, hashtag, list and direct. Each is one keyset
// query in db, paged by status id (max_id, since_id, min_id, limit ≤ 40,
// default 20) with a Link header, and rendered with the viewer's filters of
// the matching context.

const (
	timelineDefaultLimit = 20
	timelineMaxLimit     = 40
	// tagModeLimit caps each of any[], all[] and none[] (as Mastodon).
	tagModeLimit = 4
)

// timelineRoutes registers /api/v1/timelines/*.
func (h *Handlers) timelineRoutes(r chi.Router) {
	r.Get("/timelines/home", h.handler(h.homeTimeline))
	r.Get("/timelines/public", h.handler(h.publicTimeline))
	r.Get("/timelines/tag/{hashtag}", h.handler(h.tagTimeline))
	r.Get("/timelines/list/{list_id}", h.handler(h.listTimeline))
	r.Get("/timelines/direct", h.handler(h.directTimeline))
}

// writeTimeline renders a page of statuses in a filter context and sets
// the Link header from the page as the database returned it (so paging
// goes on past statuses that filters hide). The page is rendered into a
// buffer kept for the next page (pageBuffers): the response's Write does
// not keep it.
func (h *Handlers) writeTimeline(w http.ResponseWriter, r *http.Request, viewer int64, list []*db.Status, scope string) error {
	kept := pageBuffers.Get().(*[]byte)
	body, err := h.present.AppendStatusesJSON(r.Context(), (*kept)[:0], viewer, list, scope)
	if err != nil {
		pageBuffers.Put(kept)
		return err
	}
	h.setStatusLink(w, r, list)
	writeJSONBody(w, body)
	if cap(body) <= maxKeptPage {
		*kept = body[:0]
		pageBuffers.Put(kept)
	}
	return nil
}

// pageBuffers keeps the buffers timeline pages are rendered into; one
// larger than maxKeptPage (a page of 40 long statuses) goes to the
// collector instead, so a rare huge page does not stay in memory.
var pageBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxKeptPage = 256 << 10

// homeTimeline is GET /api/v1/timelines/home.
func (h *Handlers) homeTimeline(w http.ResponseWriter, r *http.Request) error {
	return h.ownTimeline(w, r, h.DB.HomeTimeline, "home")
}

// ownTimeline answers a timeline of the caller (read:statuses) that load
// reads, rendered in a filter context.
func (h *Handlers) ownTimeline(w http.ResponseWriter, r *http.Request,
	load func(ctx context.Context, accountID int64, p db.Page) ([]*db.Status, error), scope string) error {
	a, page, ok, err := h.requirePage(w, r, "read:statuses", timelineDefaultLimit, timelineMaxLimit)
	if !ok {
		return err
	}
	list, err := load(r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, a.Account.ID, list, scope)
}

// readPublicFilter reads local, remote and only_media.
func readPublicFilter(p *Params) (db.PublicTimelineFilter, error) {
	var f db.PublicTimelineFilter
	var err error
	if f.Local, err = p.BoolDefault("local", false); err != nil {
		return f, err
	}
	if f.Remote, err = p.BoolDefault("remote", false); err != nil {
		return f, err
	}
	if f.OnlyMedia, err = p.BoolDefault("only_media", false); err != nil {
		return f, err
	}
	return f, nil
}

// publicQuery is a request of a public or hashtag timeline.
type publicQuery struct {
	viewer int64
	params *Params
	filter db.PublicTimelineFilter
	page   db.Page
}

// readPublicQuery authenticates (anonymous callers too) and reads a public
// or hashtag timeline request; when ok is false the handler returns err.
func (h *Handlers) readPublicQuery(w http.ResponseWriter, r *http.Request) (q *publicQuery, ok bool, err error) {
	a, ok := h.optional(w, r, "read:statuses")
	if !ok {
		return nil, false, nil
	}
	q = &publicQuery{viewer: viewerID(a)}
	if q.params, err = ReadParams(r); err != nil {
		return nil, false, err
	}
	if q.filter, err = readPublicFilter(q.params); err != nil {
		return nil, false, err
	}
	if q.page, err = pageParams(r, timelineDefaultLimit, timelineMaxLimit); err != nil {
		return nil, false, err
	}
	return q, true, nil
}

// publicTimeline is GET /api/v1/timelines/public (anonymous callers too).
func (h *Handlers) publicTimeline(w http.ResponseWriter, r *http.Request) error {
	q, ok, err := h.readPublicQuery(w, r)
	if !ok {
		return err
	}
	list, err := h.DB.PublicTimeline(r.Context(), db.ViewerOf(q.viewer), q.filter, q.page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, q.viewer, list, "public")
}

// tagTimeline is GET /api/v1/timelines/tag/:hashtag with any[], all[],
// none[], local, remote and only_media: public statuses only.
func (h *Handlers) tagTimeline(w http.ResponseWriter, r *http.Request) error {
	q, ok, err := h.readPublicQuery(w, r)
	if !ok {
		return err
	}
	f := db.TagTimelineFilter{PublicTimelineFilter: q.filter}
	tag := chi.URLParam(r, "hashtag")
	if unescaped, err := url.PathUnescape(tag); err == nil {
		tag = unescaped // chi hands over the escaped form when the path had one
	}
	f.Any = append([]string{tag}, firstN(q.params.Strings("any"), tagModeLimit)...)
	f.All = firstN(q.params.Strings("all"), tagModeLimit)
	f.None = firstN(q.params.Strings("none"), tagModeLimit)
	list, err := h.DB.TagTimeline(r.Context(), db.ViewerOf(q.viewer), f, q.page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, q.viewer, list, "public")
}

func firstN(list []string, n int) []string {
	if len(list) > n {
		return list[:n]
	}
	return list
}

// listTimeline is GET /api/v1/timelines/list/:list_id: the statuses of the
// list's members, replies as its policy says. Another user's list is 404.
func (h *Handlers) listTimeline(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:lists")
	if !ok {
		return nil
	}
	listID, err := pathID(r, "list_id")
	if err != nil {
		return err
	}
	policy, err := h.DB.ListRepliesPolicy(r.Context(), listID, a.Account.ID)
	if err != nil {
		return err
	}
	page, err := pageParams(r, timelineDefaultLimit, timelineMaxLimit)
	if err != nil {
		return err
	}
	list, err := h.DB.ListTimeline(r.Context(), a.Account.ID, listID, policy, page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, a.Account.ID, list, "home")
}

// directTimeline is GET /api/v1/timelines/direct (deprecated by Mastodon,
// still called by clients): direct statuses the viewer wrote or is
// mentioned in.
func (h *Handlers) directTimeline(w http.ResponseWriter, r *http.Request) error {
	return h.ownTimeline(w, r, h.DB.DirectTimeline, "thread")
}
