package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// What a user does to a status — favourite, boost, bookmark, pin, mute the
// conversation — and who did it, plus the user's bookmarks and favourites.
// Favourites, boosts and pins go through the engine (they federate);
// bookmarks and conversation mutes are local state.

// statusActionRoutes registers the interactions with a status.
func (h *Handlers) statusActionRoutes(r chi.Router) {
	r.Post("/statuses/{id}/favourite", h.handler(h.favouriteStatus))
	r.Post("/statuses/{id}/unfavourite", h.handler(h.unfavouriteStatus))
	r.Post("/statuses/{id}/reblog", h.handler(h.reblogStatus))
	r.Post("/statuses/{id}/unreblog", h.handler(h.unreblogStatus))
	r.Post("/statuses/{id}/bookmark", h.handler(h.bookmarkStatus))
	r.Post("/statuses/{id}/unbookmark", h.handler(h.unbookmarkStatus))
	r.Post("/statuses/{id}/pin", h.handler(h.pinStatus))
	r.Post("/statuses/{id}/unpin", h.handler(h.unpinStatus))
	r.Post("/statuses/{id}/mute", h.handler(h.muteConversation))
	r.Post("/statuses/{id}/unmute", h.handler(h.unmuteConversation))
	r.Get("/statuses/{id}/favourited_by", h.handler(h.favouritedBy))
	r.Get("/statuses/{id}/reblogged_by", h.handler(h.rebloggedBy))
	r.Get("/bookmarks", h.handler(h.bookmarks))
	r.Get("/favourites", h.handler(h.favourites))
}

// original is the status a boost points at (itself for other statuses):
// favourites and bookmarks of a boost are of what it boosts, as on Mastodon.
func original(s *db.Status) int64 {
	if s.ReblogOfID != nil {
		return *s.ReblogOfID
	}
	return s.ID
}

// rerender answers the path's status as it is now.
func (h *Handlers) rerender(w http.ResponseWriter, r *http.Request, viewer, id int64) error {
	s, err := h.DB.StatusByID(r.Context(), id, db.ViewerOf(viewer))
	if err != nil {
		return err
	}
	return h.renderStatus(w, r, viewer, s)
}

// statusAction applies act to the path's status as the caller with scope,
// and answers the status as it is afterwards.
func (h *Handlers) statusAction(w http.ResponseWriter, r *http.Request, scope string, act func(ctx context.Context, a *db.Account, s *db.Status) error) error {
	a, s, ok, err := h.requireStatus(w, r, scope)
	if !ok {
		return err
	}
	if err := act(r.Context(), a.Account, s); err != nil {
		return err
	}
	return h.rerender(w, r, a.Account.ID, s.ID)
}

// favouriteStatus is POST /api/v1/statuses/:id/favourite.
func (h *Handlers) favouriteStatus(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, "write:favourites", func(ctx context.Context, a *db.Account, s *db.Status) error {
		_, err := h.Engine.Favourite(ctx, a, original(s))
		return err
	})
}

// unfavouriteStatus is POST /api/v1/statuses/:id/unfavourite.
func (h *Handlers) unfavouriteStatus(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, "write:favourites", func(ctx context.Context, a *db.Account, s *db.Status) error {
		_, err := h.Engine.Unfavourite(ctx, a, original(s))
		return err
	})
}

// reblogStatus is POST /api/v1/statuses/:id/reblog (visibility: public,
// unlisted or private; default the user's posting preference). The answer
// is the boost with the original embedded.
func (h *Handlers) reblogStatus(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:statuses")
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	vis, err := readVisibility(p, ownUser(a))
	if err != nil {
		return err
	}
	boost, err := h.Engine.Reblog(r.Context(), a.Account, id, vis)
	if err != nil {
		return err
	}
	return h.renderStatus(w, r, a.Account.ID, boost)
}

// unreblogStatus is POST /api/v1/statuses/:id/unreblog; the answer is the
// original status.
func (h *Handlers) unreblogStatus(w http.ResponseWriter, r *http.Request) error {
	a, s, ok, err := h.requireStatus(w, r, "write:statuses")
	if !ok {
		return err
	}
	orig := original(s)
	if _, err := h.Engine.Unreblog(r.Context(), a.Account, orig); err != nil {
		return err
	}
	return h.rerender(w, r, a.Account.ID, orig)
}

// bookmarkStatus is POST /api/v1/statuses/:id/bookmark.
func (h *Handlers) bookmarkStatus(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, "write:bookmarks", func(ctx context.Context, a *db.Account, s *db.Status) error {
		return h.DB.Bookmark(ctx, a.ID, original(s))
	})
}

// unbookmarkStatus is POST /api/v1/statuses/:id/unbookmark. A bookmark of a
// status the user may no longer see is removed too, but the status is not
// shown (404).
func (h *Handlers) unbookmarkStatus(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:bookmarks")
	if !ok {
		return nil
	}
	s, err := h.visibleStatus(r, a.Account.ID)
	if errors.Is(err, db.ErrNotFound) {
		if id, perr := pathID(r, "id"); perr == nil {
			if err := h.DB.Unbookmark(r.Context(), a.Account.ID, id); err != nil {
				return err
			}
		}
		return errNotFound
	}
	if err != nil {
		return err
	}
	if err := h.DB.Unbookmark(r.Context(), a.Account.ID, original(s)); err != nil {
		return err
	}
	return h.rerender(w, r, a.Account.ID, s.ID)
}

// pinStatus is POST /api/v1/statuses/:id/pin: one's own public or unlisted
// statuses, at most activitypub.MaxPinnedStatuses.
func (h *Handlers) pinStatus(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	s, err := h.visibleStatus(r, a.Account.ID)
	if err != nil {
		return err
	}
	if err := h.Engine.Pin(r.Context(), a.Account, s.ID); err != nil {
		return err
	}
	return h.rerender(w, r, a.Account.ID, s.ID)
}

// unpinStatus is POST /api/v1/statuses/:id/unpin.
func (h *Handlers) unpinStatus(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	s, err := h.visibleStatus(r, a.Account.ID)
	if err != nil {
		return err
	}
	if err := h.Engine.Unpin(r.Context(), a.Account, s.ID); err != nil {
		return err
	}
	return h.rerender(w, r, a.Account.ID, s.ID)
}

// muteConversation is POST /api/v1/statuses/:id/mute: no more notifications
// from the status's thread.
func (h *Handlers) muteConversation(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, "write:mutes", func(ctx context.Context, a *db.Account, s *db.Status) error {
		return h.DB.MuteThread(ctx, a.ID, s.ThreadID)
	})
}

// unmuteConversation is POST /api/v1/statuses/:id/unmute.
func (h *Handlers) unmuteConversation(w http.ResponseWriter, r *http.Request) error {
	return h.statusAction(w, r, "write:mutes", func(ctx context.Context, a *db.Account, s *db.Status) error {
		return h.DB.UnmuteThread(ctx, a.ID, s.ThreadID)
	})
}

// favouritedBy is GET /api/v1/statuses/:id/favourited_by, paged by favourite.
func (h *Handlers) favouritedBy(w http.ResponseWriter, r *http.Request) error {
	return h.interactedBy(w, r, (*db.DB).FavouritedBy)
}

// rebloggedBy is GET /api/v1/statuses/:id/reblogged_by, paged by boost.
func (h *Handlers) rebloggedBy(w http.ResponseWriter, r *http.Request) error {
	return h.interactedBy(w, r, (*db.DB).RebloggedBy)
}

type interactionPage func(d *db.DB, ctx context.Context, statusID int64, v db.Viewer, p db.Page) ([]*db.Account, []int64, error)

func (h *Handlers) interactedBy(w http.ResponseWriter, r *http.Request, load interactionPage) error {
	a, s, ok, err := h.optionalStatus(w, r, "read:accounts")
	if !ok {
		return err
	}
	viewer := viewerID(a)
	page, err := pageParams(r, 40, 80)
	if err != nil {
		return err
	}
	list, cursors, err := load(h.DB, r.Context(), s.ID, db.ViewerOf(viewer), page)
	if err != nil {
		return err
	}
	h.setCursorLink(w, r, cursors)
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), list))
	return nil
}

// bookmarks is GET /api/v1/bookmarks, paged by bookmark (Link cursors are
// bookmark ids, not status ids).
func (h *Handlers) bookmarks(w http.ResponseWriter, r *http.Request) error {
	return h.savedStatuses(w, r, "read:bookmarks", (*db.DB).BookmarkedStatuses)
}

// favourites is GET /api/v1/favourites, paged by favourite.
func (h *Handlers) favourites(w http.ResponseWriter, r *http.Request) error {
	return h.savedStatuses(w, r, "read:favourites", (*db.DB).FavouritedStatuses)
}

type savedPage func(d *db.DB, ctx context.Context, accountID int64, p db.Page) ([]*db.Status, []int64, error)

func (h *Handlers) savedStatuses(w http.ResponseWriter, r *http.Request, scope string, load savedPage) error {
	a, page, ok, err := h.requirePage(w, r, scope, 20, 40)
	if !ok {
		return err
	}
	list, cursors, err := load(h.DB, r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	out, err := h.present.Statuses(r.Context(), a.Account.ID, list)
	if err != nil {
		return err
	}
	h.setCursorLink(w, r, cursors)
	render.JSON(w, http.StatusOK, out)
	return nil
}
