package api

import (
	"net/http"

	"github.com/kontor-social/kontor/web/render"
)

// trendingLinks is GET /api/v1/trends/links (public): the cards of links
// shared by most accounts here in public posts over the last week, recent
// days weighing more (as trends/tags).
func (h *Handlers) trendingLinks(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := offsetParams(r, 10, 20)
	if err != nil {
		return err
	}
	cards, history, err := h.DB.TrendingLinks(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.TrendsLinks(cards, history))
	return nil
}
