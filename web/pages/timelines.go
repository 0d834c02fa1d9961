package pages

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// timelinePage describes one of the workspace's timelines: where its
// statuses come from (the query the API's endpoint makes), the filter
// context, the stream that updates it and what it says when empty.
type timelinePage struct {
	Title, Nav, Scope, Stream, Empty string
	load                             func(ctx context.Context, ws *Workspace, v *viewer, p db.Page) ([]*db.Status, []int64, error)
}

// cursors returns a list's own ids as its paging cursors.
func cursors(list []*db.Status, err error) ([]*db.Status, []int64, error) {
	ids := make([]int64, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return list, ids, err
}

var (
	localTimeline = timelinePage{Title: "Local", Nav: "local", Scope: "public", Stream: "public/local",
		Empty: "Nobody on this server has posted publicly yet.",
		load: func(ctx context.Context, ws *Workspace, v *viewer, p db.Page) ([]*db.Status, []int64, error) {
			return cursors(ws.p.DB.PublicTimeline(ctx, db.ViewerOf(v.Account.ID), db.PublicTimelineFilter{Local: true}, p))
		}}
	federatedTimeline = timelinePage{Title: "Federated", Nav: "federated", Scope: "public", Stream: "public",
		Empty: "No public posts known yet: follow people on other servers to bring theirs here.",
		load: func(ctx context.Context, ws *Workspace, v *viewer, p db.Page) ([]*db.Status, []int64, error) {
			return cursors(ws.p.DB.PublicTimeline(ctx, db.ViewerOf(v.Account.ID), db.PublicTimelineFilter{}, p))
		}}
	bookmarksTimeline = timelinePage{Title: "Bookmarks", Nav: "bookmarks", Scope: "home",
		Empty: "No bookmarks yet: the ⚑ button of a post keeps it here.",
		load: func(ctx context.Context, ws *Workspace, v *viewer, p db.Page) ([]*db.Status, []int64, error) {
			return ws.p.DB.BookmarkedStatuses(ctx, v.Account.ID, p)
		}}
	favouritesTimeline = timelinePage{Title: "Favourites", Nav: "favourites", Scope: "home",
		Empty: "No favourites yet: the ★ button of a post keeps it here.",
		load: func(ctx context.Context, ws *Workspace, v *viewer, p db.Page) ([]*db.Status, []int64, error) {
			return ws.p.DB.FavouritedStatuses(ctx, v.Account.ID, p)
		}}
)

// timeline serves a timeline page.
func (ws *Workspace) timeline(tp timelinePage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := ws.viewer(w, r)
		if !ok {
			return
		}
		ws.showTimeline(w, r, v, tp, r.URL.Path)
	}
}

func (ws *Workspace) showTimeline(w http.ResponseWriter, r *http.Request, v *viewer, tp timelinePage, path string) {
	ctx := r.Context()
	list, ids, err := tp.load(ctx, ws, v, readPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	posts, err := ws.posts(ctx, v, list, tp.Scope)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	var last int64
	if len(ids) > 0 {
		last = ids[len(ids)-1]
	}
	ws.render(w, r, http.StatusOK, "timeline", v, map[string]any{"Title": tp.Title, "Nav": tp.Nav, "Stream": tp.Stream,
		"Posts": posts, "Empty": tp.Empty, "Tabs": true, "MoreURL": moreURL(path, len(ids), last)})
}

// lists is GET /lists: the person's lists.
func (ws *Workspace) lists(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	lists, err := ws.p.DB.Lists(r.Context(), v.Account.ID)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	ws.render(w, r, http.StatusOK, "lists", v, map[string]any{"Title": "Lists", "Nav": "lists", "Lists": lists})
}

// list is GET /lists/{id}: a list's timeline (the API's list query, its
// replies policy), updated by the list's stream.
func (ws *Workspace) list(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	l, err := ws.p.DB.ListByID(r.Context(), v.Account.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	} else if err != nil {
		ws.fail(w, r, err)
		return
	}
	tp := timelinePage{Title: l.Title, Nav: "lists", Scope: "home", Stream: "list?list=" + db.FormatID(l.ID),
		Empty: "Nothing here yet: add accounts to this list from any Mastodon app.",
		load: func(ctx context.Context, ws *Workspace, v *viewer, p db.Page) ([]*db.Status, []int64, error) {
			return cursors(ws.p.DB.ListTimeline(ctx, v.Account.ID, l.ID, l.RepliesPolicy, p))
		}}
	ws.showTimeline(w, r, v, tp, r.URL.Path)
}
