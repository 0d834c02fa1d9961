package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// conversationRoutes registers /api/v1/conversations.
func (h *Handlers) conversationRoutes(r chi.Router) {
	r.Route("/conversations", func(r chi.Router) {
		r.Get("/", h.handler(h.listConversations))
		r.Delete("/{id}", h.handler(h.deleteConversation))
		r.Post("/{id}/read", h.handler(h.readConversation))
	})
}

// listConversations pages the caller's conversations by their last status
// (limit 20, at most 40).
func (h *Handlers) listConversations(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:statuses")
	if !ok {
		return nil
	}
	page, err := pageParams(r, 20, 40)
	if err != nil {
		return err
	}
	list, err := h.DB.Conversations(r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	out, err := h.conversationEntities(r.Context(), a.Account, list)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		h.setLink(w, r, *list[0].LastStatusID, *list[len(list)-1].LastStatusID, len(list))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) deleteConversation(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:conversations")
	if !ok {
		return err
	}
	if err := h.DB.DeleteConversation(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
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
	out, err := h.conversationEntities(r.Context(), a.Account, []*db.Conversation{c})
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return errNotFound
	}
	render.JSON(w, http.StatusOK, out[0])
	return nil
}

// conversationEntities renders conversations for their owner: the other
// participants, and the newest status of the thread the owner may see
// (conversations with none left are skipped).
func (h *Handlers) conversationEntities(ctx context.Context, owner *db.Account, list []*db.Conversation) ([]entity.Conversation, error) {
	out := make([]entity.Conversation, 0, len(list))
	if len(list) == 0 {
		return out, nil
	}
	var accountIDs, statusIDs []int64
	for _, c := range list {
		accountIDs = append(accountIDs, c.ParticipantIDs...)
		if c.LastStatusID != nil {
			statusIDs = append(statusIDs, *c.LastStatusID)
		}
	}
	v := db.ViewerOf(owner.ID)
	statuses, err := h.DB.VisibleStatusesByIDs(ctx, statusIDs, v)
	if err != nil {
		return nil, err
	}
	last := make(map[int64]*db.Status, len(list)) // by conversation
	var toRender []*db.Status
	for _, c := range list {
		var s *db.Status
		if c.LastStatusID != nil {
			s = statuses[*c.LastStatusID]
		}
		if s == nil {
			// Its last status was deleted (or hidden since): the thread's
			// newest remaining one stands in.
			s, err = h.DB.LatestDirectStatus(ctx, owner.ID, c.ThreadID)
			if errors.Is(err, db.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
		}
		last[c.ID] = s
		toRender = append(toRender, s)
	}
	rendered, err := h.Statuses(ctx, owner.ID, toRender)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*entity.Status, len(rendered))
	for i := range rendered {
		byID[rendered[i].ID] = &rendered[i]
	}
	accounts, err := h.DB.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	accountList := make([]*db.Account, 0, len(accounts))
	for _, a := range accounts {
		if !a.Suspended() {
			accountList = append(accountList, a)
		}
	}
	people := map[string]entity.Account{}
	for _, e := range h.Accounts(ctx, accountList) {
		people[e.ID] = e
	}
	for _, c := range list {
		s := last[c.ID]
		if s == nil || byID[db.FormatID(s.ID)] == nil {
			continue
		}
		e := entity.Conversation{ID: db.FormatID(c.ID), Unread: c.Unread, Accounts: []entity.Account{}, LastStatus: byID[db.FormatID(s.ID)]}
		for _, id := range c.ParticipantIDs {
			if p, ok := people[db.FormatID(id)]; ok {
				e.Accounts = append(e.Accounts, p)
			}
		}
		if len(e.Accounts) == 0 {
			e.Accounts = append(e.Accounts, h.Account(ctx, owner)) // a note to oneself
		}
		out = append(out, e)
	}
	return out, nil
}
