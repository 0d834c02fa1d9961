package api

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
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
// goes on past statuses that filters hide).
func (h *Handlers) writeTimeline(w http.ResponseWriter, r *http.Request, viewer int64, list []*db.Status, scope string) error {
	out, err := h.present.StatusesIn(r.Context(), viewer, list, scope)
	if err != nil {
		return err
	}
	h.setStatusLink(w, r, list)
	render.JSON(w, http.StatusOK, out)
	return nil
}

// homeTimeline is GET /api/v1/timelines/home.
func (h *Handlers) homeTimeline(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:statuses")
	if !ok {
		return nil
	}
	page, err := pageParams(r, timelineDefaultLimit, timelineMaxLimit)
	if err != nil {
		return err
	}
	list, err := h.DB.HomeTimeline(r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, a.Account.ID, list, "home")
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

// publicTimeline is GET /api/v1/timelines/public (anonymous callers too).
func (h *Handlers) publicTimeline(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.optional(w, r, "read:statuses")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	f, err := readPublicFilter(p)
	if err != nil {
		return err
	}
	page, err := pageParams(r, timelineDefaultLimit, timelineMaxLimit)
	if err != nil {
		return err
	}
	viewer := viewerID(a)
	list, err := h.DB.PublicTimeline(r.Context(), db.ViewerOf(viewer), f, page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, viewer, list, "public")
}

// tagTimeline is GET /api/v1/timelines/tag/:hashtag with any[], all[],
// none[], local, remote and only_media: public statuses only.
func (h *Handlers) tagTimeline(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.optional(w, r, "read:statuses")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	pf, err := readPublicFilter(p)
	if err != nil {
		return err
	}
	page, err := pageParams(r, timelineDefaultLimit, timelineMaxLimit)
	if err != nil {
		return err
	}
	f := db.TagTimelineFilter{PublicTimelineFilter: pf}
	tag := chi.URLParam(r, "hashtag")
	if unescaped, err := url.PathUnescape(tag); err == nil {
		tag = unescaped // chi hands over the escaped form when the path had one
	}
	f.Any = append([]string{tag}, firstN(p.Strings("any"), tagModeLimit)...)
	f.All = firstN(p.Strings("all"), tagModeLimit)
	f.None = firstN(p.Strings("none"), tagModeLimit)
	viewer := viewerID(a)
	list, err := h.DB.TagTimeline(r.Context(), db.ViewerOf(viewer), f, page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, viewer, list, "public")
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
	a, ok := h.require(w, r, "read:statuses")
	if !ok {
		return nil
	}
	page, err := pageParams(r, timelineDefaultLimit, timelineMaxLimit)
	if err != nil {
		return err
	}
	list, err := h.DB.DirectTimeline(r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, a.Account.ID, list, "thread")
}
