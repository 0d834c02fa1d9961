package api

import (
	"context"
	"net/http"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// v1 filters: each keyword of a v2 filter is one v1 filter (its ID is the
// keyword's); creating one makes a v2 filter titled after the phrase.

func (h *Handlers) getFiltersV1(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:filters")
	if !ok {
		return nil
	}
	list, err := h.DB.Filters(r.Context(), a.Account.ID)
	if err != nil {
		return err
	}
	out := []entity.FilterV1{}
	for _, f := range list {
		for _, k := range f.Keywords {
			out = append(out, entity.FilterV1Of(f, k))
		}
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// keywordFilter is a v1 filter: a keyword with the filter it belongs to.
type keywordFilter struct {
	f *db.Filter
	k *db.FilterKeyword
}

// keywordFilterByID loads the owner's keyword id with its filter.
func (h *Handlers) keywordFilterByID(ctx context.Context, ownerID, id int64) (keywordFilter, error) {
	k, err := h.DB.FilterKeywordByID(ctx, ownerID, id)
	if err != nil {
		return keywordFilter{}, err
	}
	f, err := h.DB.FilterByID(ctx, ownerID, k.FilterID)
	return keywordFilter{f, k}, err
}

func (h *Handlers) getFilterV1(w http.ResponseWriter, r *http.Request) error {
	_, kf, ok, err := requireOwn(h, w, r, "read:filters", h.keywordFilterByID)
	if !ok {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterV1Of(kf.f, kf.k))
	return nil
}

// readFilterV1 applies phrase, context[], whole_word, irreversible and
// expires_in to a filter and its keyword.
func readFilterV1(p *Params, f *db.Filter, k *db.FilterKeyword, create bool) error {
	if p.Has("phrase") || create {
		phrase, err := filterText("phrase", p.String("phrase"))
		if err != nil {
			return err
		}
		k.Keyword = phrase
		if create {
			f.Title = phrase
		}
	}
	if p.Has("context") || create {
		contexts, err := readFilterContexts(p)
		if err != nil {
			return err
		}
		f.Contexts = contexts
	}
	if v, ok, err := p.Bool("whole_word"); err != nil {
		return err
	} else if ok {
		k.WholeWord = v
	}
	if v, ok, err := p.Bool("irreversible"); err != nil {
		return err
	} else if ok {
		f.Action = "warn"
		if v {
			f.Action = "hide"
		}
	}
	return readExpiry(p, f)
}

func (h *Handlers) createFilterV1(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:filters")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	f := &db.Filter{AccountID: a.Account.ID, Action: "warn"}
	k := &db.FilterKeyword{WholeWord: true}
	if err := readFilterV1(p, f, k, true); err != nil {
		return err
	}
	edit := db.FilterKeywordEdit{Keyword: k.Keyword, WholeWord: k.WholeWord}
	if err := h.DB.CreateFilter(r.Context(), f, []db.FilterKeywordEdit{edit}); err != nil {
		return err
	}
	stored, err := h.DB.FilterByID(r.Context(), a.Account.ID, f.ID)
	if err != nil {
		return err
	}
	if len(stored.Keywords) == 0 {
		return errNotFound
	}
	render.JSON(w, http.StatusOK, entity.FilterV1Of(stored, stored.Keywords[0]))
	return nil
}

func (h *Handlers) updateFilterV1(w http.ResponseWriter, r *http.Request) error {
	_, kf, ok, err := requireOwn(h, w, r, "write:filters", h.keywordFilterByID)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	if err := readFilterV1(p, kf.f, kf.k, false); err != nil {
		return err
	}
	edit := db.FilterKeywordEdit{ID: kf.k.ID, Keyword: kf.k.Keyword, WholeWord: kf.k.WholeWord}
	if err := h.DB.UpdateFilter(r.Context(), kf.f, []db.FilterKeywordEdit{edit}); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterV1Of(kf.f, kf.k))
	return nil
}

// deleteFilterV1 deletes the keyword, and its filter when nothing is left in it.
func (h *Handlers) deleteFilterV1(w http.ResponseWriter, r *http.Request) error {
	a, kf, ok, err := requireOwn(h, w, r, "write:filters", h.keywordFilterByID)
	if !ok {
		return err
	}
	if len(kf.f.Keywords) <= 1 && len(kf.f.Statuses) == 0 {
		err = h.DB.DeleteFilter(r.Context(), a.Account.ID, kf.f.ID)
	} else {
		err = h.DB.DeleteFilterKeyword(r.Context(), a.Account.ID, kf.k.ID)
	}
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}
