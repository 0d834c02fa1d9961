package api

import (
	"errors"
	"net/http"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// The keywords and statuses of a v2 filter.

func (h *Handlers) getFilterKeywords(w http.ResponseWriter, r *http.Request) error {
	_, f, ok, err := requireOwn(h, w, r, "read:filters", h.DB.FilterByID)
	if !ok {
		return err
	}
	out := make([]entity.FilterKeyword, 0, len(f.Keywords))
	for _, k := range f.Keywords {
		out = append(out, entity.FilterKeywordOf(k))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// readKeyword reads keyword and whole_word (absent: as it is); on create
// the keyword is required.
func readKeyword(p *Params, k *db.FilterKeyword, create bool) error {
	if p.Has("keyword") || create {
		kw, err := filterText("keyword", p.String("keyword"))
		if err != nil {
			return err
		}
		k.Keyword = kw
	}
	if v, ok, err := p.Bool("whole_word"); err != nil {
		return err
	} else if ok {
		k.WholeWord = v
	}
	return nil
}

func (h *Handlers) addFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	_, f, ok, err := requireOwn(h, w, r, "write:filters", h.DB.FilterByID)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	k := &db.FilterKeyword{FilterID: f.ID, WholeWord: true}
	if err := readKeyword(p, k, true); err != nil {
		return err
	}
	if err := h.DB.AddFilterKeyword(r.Context(), k); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterKeywordOf(k))
	return nil
}

func (h *Handlers) updateFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	a, k, ok, err := requireOwn(h, w, r, "write:filters", h.DB.FilterKeywordByID)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	if err := readKeyword(p, k, false); err != nil {
		return err
	}
	if err := h.DB.UpdateFilterKeyword(r.Context(), a.Account.ID, k); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterKeywordOf(k))
	return nil
}

func (h *Handlers) getFilterStatuses(w http.ResponseWriter, r *http.Request) error {
	_, f, ok, err := requireOwn(h, w, r, "read:filters", h.DB.FilterByID)
	if !ok {
		return err
	}
	out := make([]entity.FilterStatus, 0, len(f.Statuses))
	for _, s := range f.Statuses {
		out = append(out, entity.FilterStatusOf(s))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// addFilterStatus puts a status the caller may see on a filter.
func (h *Handlers) addFilterStatus(w http.ResponseWriter, r *http.Request) error {
	a, f, ok, err := requireOwn(h, w, r, "write:filters", h.DB.FilterByID)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	id, given, err := p.ID("status_id")
	if err != nil {
		return err
	}
	if !given {
		return fieldErr("status_id", "can't be blank")
	}
	if _, err := h.DB.StatusByID(r.Context(), id, db.ViewerOf(a.Account.ID)); errors.Is(err, db.ErrNotFound) {
		return fieldErr("status_id", "must exist")
	} else if err != nil {
		return err
	}
	fs := &db.FilterStatus{FilterID: f.ID, StatusID: id}
	if err := h.DB.AddFilterStatus(r.Context(), fs); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterStatusOf(fs))
	return nil
}
