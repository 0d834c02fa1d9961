package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
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
		r.Get("/{id}", h.handler(showOwn(h, "read:lists", h.DB.ListByID, entity.ListOf)))
		r.Put("/{id}", h.handler(h.updateList))
		r.Delete("/{id}", h.handler(h.deleteOwn("write:lists", h.DB.DeleteList)))
		r.Get("/{id}/accounts", h.handler(h.listAccounts))
		r.Post("/{id}/accounts", h.handler(h.editListMembers(h.addListMembers)))
		r.Delete("/{id}/accounts", h.handler(h.editListMembers(h.removeListMembers)))
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
	_, l, ok, err := requireOwn(h, w, r, "write:lists", h.DB.ListByID)
	if !ok {
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

// listAccounts pages a list's members by account ID (limit 40, at most 80;
// limit=0 returns all of them, unpaged, as Mastodon does).
func (h *Handlers) listAccounts(w http.ResponseWriter, r *http.Request) error {
	_, l, ok, err := requireOwn(h, w, r, "read:lists", h.DB.ListByID)
	if !ok {
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
	if !all {
		setPageLink(h, w, r, members, func(a *db.Account) int64 { return a.ID })
	}
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), members))
	return nil
}

// editListMembers is POST or DELETE /api/v1/lists/:id/accounts: edit
// applies account_ids[] to the caller's list; the answer is {}.
func (h *Handlers) editListMembers(edit func(ctx context.Context, l *db.List, ids []int64) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, l, ok, err := requireOwn(h, w, r, "write:lists", h.DB.ListByID)
		if !ok {
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
		if err := edit(r.Context(), l, ids); err != nil {
			return err
		}
		render.JSON(w, http.StatusOK, struct{}{})
		return nil
	}
}

// addListMembers adds accounts the owner follows to a list.
func (h *Handlers) addListMembers(ctx context.Context, l *db.List, ids []int64) error {
	err := h.DB.AddListMembers(ctx, l, ids)
	if errors.Is(err, db.ErrNotFollowed) {
		return fieldErr("account_ids", "must be accounts you follow")
	}
	return err
}

// removeListMembers takes accounts off a list.
func (h *Handlers) removeListMembers(ctx context.Context, l *db.List, ids []int64) error {
	return h.DB.RemoveListMembers(ctx, l.ID, ids)
}
