package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// repliesPolicies are the accepted replies_policy values.
var repliesPolicies = []string{"followed", "list", "none"}

// maxListTitle bounds a list title (in bytes).
const maxListTitle = 512

// listRoutes registers /api/v1/lists and the list timeline.
func (h *Handlers) listRoutes(r chi.Router) {
	r.Route("/lists", func(r chi.Router) {
		r.Get("/", h.handler(h.getLists))
		r.Post("/", h.handler(h.createList))
		r.Get("/{id}", h.handler(h.getList))
		r.Put("/{id}", h.handler(h.updateList))
		r.Delete("/{id}", h.handler(h.deleteList))
		r.Get("/{id}/accounts", h.handler(h.listAccounts))
		r.Post("/{id}/accounts", h.handler(h.addListAccounts))
		r.Delete("/{id}/accounts", h.handler(h.removeListAccounts))
	})
}

func (h *Handlers) getLists(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:lists")
	if !ok {
		return nil
	}
	lists, err := h.DB.Lists(r.Context(), a.Account.ID)
	if err != nil {
		return err
	}
	out := make([]entity.List, 0, len(lists))
	for _, l := range lists {
		out = append(out, entity.ListOf(l))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// ownList loads the caller's list named by the {id} path parameter (404
// for anyone else's).
func (h *Handlers) ownList(r *http.Request, a *auth.Caller) (*db.List, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.DB.ListByID(r.Context(), a.Account.ID, id)
}

func (h *Handlers) getList(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:lists")
	if !ok {
		return nil
	}
	l, err := h.ownList(r, a)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.ListOf(l))
	return nil
}

// readList applies title, replies_policy and exclusive from p to l (all
// optional on update; the title is required on create).
func readList(p *Params, l *db.List, create bool) error {
	if p.Has("title") || create {
		title := strings.TrimSpace(p.String("title"))
		if title == "" {
			return fieldErr("title", "can't be blank")
		}
		if len(title) > maxListTitle {
			return fieldErr("title", "is too long")
		}
		l.Title = title
	}
	if p.Has("replies_policy") {
		rp := p.String("replies_policy")
		if !slices.Contains(repliesPolicies, rp) {
			return fieldErr("replies_policy", "is not included in the list")
		}
		l.RepliesPolicy = rp
	}
	if v, ok, err := p.Bool("exclusive"); err != nil {
		return err
	} else if ok {
		l.Exclusive = v
	}
	return nil
}

func (h *Handlers) createList(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:lists")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	l := &db.List{AccountID: a.Account.ID, RepliesPolicy: "list"}
	if err := readList(p, l, true); err != nil {
		return err
	}
	if err := h.DB.CreateList(r.Context(), l); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.ListOf(l))
	return nil
}

func (h *Handlers) updateList(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:lists")
	if !ok {
		return nil
	}
	l, err := h.ownList(r, a)
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	if err := readList(p, l, false); err != nil {
		return err
	}
	if err := h.DB.UpdateList(r.Context(), l); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.ListOf(l))
	return nil
}

func (h *Handlers) deleteList(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:lists")
	if !ok {
		return err
	}
	if err := h.DB.DeleteList(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// listAccounts pages a list's members by account ID (limit 40, at most 80;
// limit=0 returns all of them, unpaged, as Mastodon does).
func (h *Handlers) listAccounts(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:lists")
	if !ok {
		return nil
	}
	l, err := h.ownList(r, a)
	if err != nil {
		return err
	}
	page, err := pageParams(r, 40, 80)
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("limit") == "0"
	if all {
		page = db.Page{}
	}
	members, err := h.DB.ListMembers(r.Context(), l.ID, page)
	if err != nil {
		return err
	}
	if !all && len(members) > 0 {
		h.setLink(w, r, members[0].ID, members[len(members)-1].ID, len(members))
	}
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), members))
	return nil
}

func (h *Handlers) addListAccounts(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:lists")
	if !ok {
		return nil
	}
	l, err := h.ownList(r, a)
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	ids, err := p.IDs("account_ids")
	if err != nil {
		return err
	}
	err = h.DB.AddListMembers(r.Context(), l, ids)
	if errors.Is(err, db.ErrNotFollowed) {
		return fieldErr("account_ids", "must be accounts you follow")
	}
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

func (h *Handlers) removeListAccounts(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:lists")
	if !ok {
		return nil
	}
	l, err := h.ownList(r, a)
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	ids, err := p.IDs("account_ids")
	if err != nil {
		return err
	}
	if err := h.DB.RemoveListMembers(r.Context(), l.ID, ids); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}
