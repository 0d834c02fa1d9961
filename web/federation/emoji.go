package federation

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
)

// emoji answers the id of a local custom emoji (https://host/emojis/ID)
// with its Emoji object, as Mastodon does: peers may dereference the
// Emoji tags of our posts. Emoji are public, so no signature is asked.
func (h *Handlers) emoji(w http.ResponseWriter, r *http.Request) {
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		h.writeDoc(w, r, nil, db.ErrNotFound)
		return
	}
	em, err := h.DB.EmojiByID(r.Context(), id)
	if err == nil && (!em.Local() || em.Disabled || em.FileKey == "") {
		err = db.ErrNotFound
	}
	if err != nil {
		h.writeDoc(w, r, nil, err)
		return
	}
	h.writeDoc(w, r, h.Engine.EmojiObject(em, true), nil)
}
