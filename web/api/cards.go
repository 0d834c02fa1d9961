package api

import (
	"net/http"

	"github.com/kontor-social/kontor/web/render"
)

// statusCard is GET /api/v1/statuses/:id/card (deprecated by Mastodon, still
// called by apps): the status's preview card, or {} when it has none. The
// status is found as for GET /api/v1/statuses/:id, by the one visibility rule.
func (h *Handlers) statusCard(w http.ResponseWriter, r *http.Request) error {
	a, s, ok, err := h.optionalStatus(w, r, "read:statuses")
	if !ok {
		return err
	}
	st, err := h.present.Status(r.Context(), viewerID(a), s)
	if err != nil {
		return err
	}
	card := st.Card
	if st.Reblog != nil {
		card = st.Reblog.Card
	}
	if card == nil {
		render.JSON(w, http.StatusOK, struct{}{})
		return nil
	}
	render.JSON(w, http.StatusOK, card)
	return nil
}
