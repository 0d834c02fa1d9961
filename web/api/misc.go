package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// miscRoutes registers the small discovery endpoints: custom emojis,
// announcements, trends and the profile directory.
func (h *Handlers) miscRoutes(r chi.Router) {
	r.Get("/custom_emojis", h.handler(h.customEmojis))
	r.Get("/announcements", h.handler(h.announcements))
	r.Get("/trends", h.handler(h.trendingTags))
	r.Get("/trends/tags", h.handler(h.trendingTags))
	r.Get("/trends/statuses", h.handler(h.trendingStatuses))
	r.Get("/trends/links", h.handler(h.trendingLinks))
	r.Get("/directory", h.handler(h.directory))
}

// announcements: there are none (Tusky asks at startup).
func (h *Handlers) announcements(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.require(w, r, "read"); !ok {
		return nil
	}
	render.JSON(w, http.StatusOK, []any{})
	return nil
}

// directory lists discoverable accounts: order=active (recent posters
// first; anything else) or new, local=true for this instance only, paged by
// offset (limit 40, at most 80).
func (h *Handlers) directory(w http.ResponseWriter, r *http.Request) error {
	viewer := viewerID(auth.From(r.Context())) // public; a token only hides blocked accounts
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	q := db.DirectoryQuery{Limit: 40, Order: "active"}
	if p.String("order") == "new" {
		q.Order = "new"
	}
	if q.Local, err = p.BoolDefault("local", false); err != nil {
		return err
	}
	if n, ok, err := p.Int("limit"); err != nil {
		return err
	} else if ok {
		q.Limit = int(min(max(n, 1), 80))
	}
	if n, ok, err := p.Int("offset"); err != nil {
		return err
	} else if ok {
		q.Offset = int(min(max(n, 0), 100000))
	}
	list, err := h.DB.Directory(r.Context(), viewer, q)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), list))
	return nil
}
