package api

import (
	"net/http"

	"github.com/kontor-social/kontor/web/render"
)

// customEmojis is GET /api/v1/custom_emojis: the enabled local emoji, to
// anyone (apps load the picker before signing in).
func (h *Handlers) customEmojis(w http.ResponseWriter, r *http.Request) error {
	list, err := h.DB.LocalEmojis(r.Context(), false)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		out = append(out, h.present.CustomEmoji(e))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}
