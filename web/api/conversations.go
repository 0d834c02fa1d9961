package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// conversationRoutes registers /api/v1/conversations.
func (h *Handlers) conversationRoutes(r chi.Router) {
	r.Route("/conversations", func(r chi.Router) {
		r.Get("/", h.handler(h.listConversations))
		r.Delete("/{id}", h.handler(h.deleteOwn("write:conversations", h.DB.DeleteConversation)))
		r.Post("/{id}/read", h.handler(h.readConversation))
	})
}

// listConversations pages the caller's conversations by their last status
// (limit 20, at most 40).
func (h *Handlers) listConversations(w http.ResponseWriter, r *http.Request) error {
	a, page, ok, err := h.requirePage(w, r, "read:statuses", 20, 40)
	if !ok {
		return err
	}
	list, err := h.DB.Conversations(r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	out, err := h.present.Conversations(r.Context(), a.Account, list)
	if err != nil {
		return err
	}
	setPageLink(h, w, r, list, func(c *db.Conversation) int64 { return *c.LastStatusID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) readConversation(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:conversations")
	if !ok {
		return err
	}
	if err := h.DB.MarkConversationRead(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	c, err := h.DB.ConversationByID(r.Context(), a.Account.ID, id)
	if err != nil {
		return err
	}
	out, err := h.present.Conversations(r.Context(), a.Account, []*db.Conversation{c})
	return renderFirst(w, out, err)
}
