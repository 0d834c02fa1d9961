package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/kontor-social/kontor/web/render"
)

// BrandPostHandler is, for the tests of this package, a stand-in for
// POST /api/v1/statuses (whose handler lives on another branch): the same
// authentication and scope, then holdForApproval first thing, as the real
// handler calls it, then the post is published through the engine with the
// request's context (which carries the acting member of a brand token).
// The answer is the Status.
func BrandPostHandler(d Deps) http.Handler {
	h := New(d)
	r := chi.NewRouter()
	r.Use(CORS, h.authenticate)
	r.Post("/api/v1/statuses", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		a, ok := h.require(w, r, "write:statuses")
		if !ok {
			return nil
		}
		p, err := ReadParams(r)
		if err != nil {
			return err
		}
		if held, err := h.holdForApproval(w, r, a, p); held || err != nil {
			return err
		}
		post, err := h.scheduledPost(r.Context(), a, p)
		if err != nil {
			return err
		}
		s, err := h.Engine.PublishStatus(r.Context(), a.Account, post)
		if err != nil {
			return err
		}
		out, err := h.Status(r.Context(), a.Account.ID, s)
		if err != nil {
			return err
		}
		render.JSON(w, http.StatusOK, out)
		return nil
	}))
	return r
}
