package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// filterActions are the accepted filter_action values.
var filterActions = []string{"warn", "hide", "blur"}

// maxFilterText bounds a filter title or keyword (in bytes).
const maxFilterText = 512

// filterRoutes registers the v1 filters (one per keyword).
func (h *Handlers) filterRoutes(r chi.Router) {
	r.Route("/filters", func(r chi.Router) {
		r.Use(h.announceFilterChanges)
		r.Get("/", h.handler(h.getFiltersV1))
		r.Post("/", h.handler(h.createFilterV1))
		r.Get("/{id}", h.handler(h.getFilterV1))
		r.Put("/{id}", h.handler(h.updateFilterV1))
		r.Delete("/{id}", h.handler(h.deleteFilterV1))
	})
}

// filterV2Routes registers /api/v2/filters with keywords and statuses.
func (h *Handlers) filterV2Routes(r chi.Router) {
	r.Route("/filters", func(r chi.Router) {
		r.Use(h.announceFilterChanges)
		r.Get("/", h.handler(h.getFilters))
		r.Post("/", h.handler(h.createFilter))
		r.Get("/keywords/{id}", h.handler(h.getFilterKeyword))
		r.Put("/keywords/{id}", h.handler(h.updateFilterKeyword))
		r.Delete("/keywords/{id}", h.handler(h.deleteFilterKeyword))
		r.Get("/statuses/{id}", h.handler(h.getFilterStatus))
		r.Delete("/statuses/{id}", h.handler(h.deleteFilterStatus))
		r.Get("/{id}", h.handler(h.getFilter))
		r.Put("/{id}", h.handler(h.updateFilter))
		r.Delete("/{id}", h.handler(h.deleteFilter))
		r.Get("/{id}/keywords", h.handler(h.getFilterKeywords))
		r.Post("/{id}/keywords", h.handler(h.addFilterKeyword))
		r.Get("/{id}/statuses", h.handler(h.getFilterStatuses))
		r.Post("/{id}/statuses", h.handler(h.addFilterStatus))
	})
}

// announceFilterChanges tells streaming (filters_changed, and the filters
// its connections apply) after every successful change of a filter.
func (h *Handlers) announceFilterChanges(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if a := auth.From(r.Context()); a != nil && a.Account != nil && rec.status < 300 {
			h.FiltersChanged(a.Account.ID)
		}
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// parseBool reads a boolean as Params.Bool does.
func filterBool(field, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "on", "yes", "t":
		return true, nil
	case "false", "0", "off", "no", "f", "":
		return false, nil
	}
	return false, fieldErr(field, "must be true or false")
}

// readFilter applies title, context[], filter_action and expires_in from p
// to f; on create the title and context are required.
func readFilter(p *Params, f *db.Filter, create bool) error {
	if p.Has("title") || create {
		title := strings.TrimSpace(p.String("title"))
		if title == "" {
			return fieldErr("title", "can't be blank")
		}
		if len(title) > maxFilterText {
			return fieldErr("title", "is too long")
		}
		f.Title = title
	}
	if p.Has("context") || create {
		contexts, err := readFilterContexts(p)
		if err != nil {
			return err
		}
		f.Contexts = contexts
	}
	if p.Has("filter_action") {
		action := p.String("filter_action")
		if !slices.Contains(filterActions, action) {
			return fieldErr("filter_action", "is not included in the list")
		}
		f.Action = action
	}
	return readExpiry(p, f)
}

func readFilterContexts(p *Params) ([]string, error) {
	var contexts []string
	for _, c := range p.Strings("context") {
		c = strings.TrimSpace(c)
		if !entity.ValidFilterContext(c) {
			return nil, fieldErr("context", "contains an invalid value")
		}
		if !slices.Contains(contexts, c) {
			contexts = append(contexts, c)
		}
	}
	if len(contexts) == 0 {
		return nil, fieldErr("context", "can't be blank")
	}
	return contexts, nil
}

// readExpiry reads expires_in (seconds; empty clears the expiry).
func readExpiry(p *Params, f *db.Filter) error {
	if !p.Has("expires_in") {
		return nil
	}
	secs, ok, err := p.Int("expires_in")
	if err != nil {
		return err
	}
	if !ok {
		f.ExpiresAt = nil
		return nil
	}
	if secs <= 0 || secs > 100*365*24*3600 {
		return fieldErr("expires_in", "must be a positive number of seconds")
	}
	t := time.Now().UTC().Add(time.Duration(secs) * time.Second).Truncate(time.Millisecond)
	f.ExpiresAt = &t
	return nil
}

// readKeywordEdits reads keywords_attributes[] ({keyword, whole_word, id, _destroy}).
func readKeywordEdits(p *Params) ([]db.FilterKeywordEdit, error) {
	var edits []db.FilterKeywordEdit
	for _, attrs := range p.Indexed("keywords_attributes") {
		var e db.FilterKeywordEdit
		if s := strings.TrimSpace(attrs["id"]); s != "" {
			id, ok := db.ParseID(s)
			if !ok {
				return nil, errNotFound
			}
			e.ID = id
		}
		var err error
		if e.Destroy, err = filterBool("keywords_attributes[_destroy]", attrs["_destroy"]); err != nil {
			return nil, err
		}
		if e.Destroy {
			edits = append(edits, e)
			continue
		}
		e.Keyword = strings.TrimSpace(attrs["keyword"])
		if e.Keyword == "" {
			return nil, fieldErr("keywords_attributes[keyword]", "can't be blank")
		}
		if len(e.Keyword) > maxFilterText {
			return nil, fieldErr("keywords_attributes[keyword]", "is too long")
		}
		e.WholeWord = true
		if ww, ok := attrs["whole_word"]; ok {
			if e.WholeWord, err = filterBool("keywords_attributes[whole_word]", ww); err != nil {
				return nil, err
			}
		}
		edits = append(edits, e)
	}
	return edits, nil
}

func (h *Handlers) getFilters(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:filters")
	if !ok {
		return nil
	}
	list, err := h.DB.Filters(r.Context(), a.Account.ID)
	if err != nil {
		return err
	}
	out := make([]entity.Filter, 0, len(list))
	for _, f := range list {
		out = append(out, entity.FilterOf(f))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// ownFilter loads the caller's filter named by the {id} path parameter.
func (h *Handlers) ownFilter(r *http.Request, a *auth.Caller) (*db.Filter, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.DB.FilterByID(r.Context(), a.Account.ID, id)
}

// renderFilter answers a filter as stored (reloaded with its keywords).
func (h *Handlers) renderFilter(w http.ResponseWriter, r *http.Request, ownerID, id int64) error {
	f, err := h.DB.FilterByID(r.Context(), ownerID, id)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterOf(f))
	return nil
}

func (h *Handlers) getFilter(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:filters")
	if !ok {
		return nil
	}
	f, err := h.ownFilter(r, a)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterOf(f))
	return nil
}

func (h *Handlers) createFilter(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:filters")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	f := &db.Filter{AccountID: a.Account.ID, Action: "warn"}
	if err := readFilter(p, f, true); err != nil {
		return err
	}
	edits, err := readKeywordEdits(p)
	if err != nil {
		return err
	}
	for _, e := range edits {
		if e.ID != 0 {
			return errNotFound // a new filter has no keywords to change
		}
	}
	if err := h.DB.CreateFilter(r.Context(), f, edits); err != nil {
		return err
	}
	return h.renderFilter(w, r, a.Account.ID, f.ID)
}

func (h *Handlers) updateFilter(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:filters")
	if !ok {
		return nil
	}
	f, err := h.ownFilter(r, a)
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	if err := readFilter(p, f, false); err != nil {
		return err
	}
	edits, err := readKeywordEdits(p)
	if err != nil {
		return err
	}
	if err := h.DB.UpdateFilter(r.Context(), f, edits); err != nil {
		return err
	}
	return h.renderFilter(w, r, a.Account.ID, f.ID)
}

func (h *Handlers) deleteFilter(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:filters")
	if !ok {
		return err
	}
	if err := h.DB.DeleteFilter(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

func (h *Handlers) getFilterKeywords(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:filters")
	if !ok {
		return nil
	}
	f, err := h.ownFilter(r, a)
	if err != nil {
		return err
	}
	out := make([]entity.FilterKeyword, 0, len(f.Keywords))
	for _, k := range f.Keywords {
		out = append(out, entity.FilterKeywordOf(k))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// readKeyword reads keyword and whole_word (whole_word defaults to wholeWord).
func readKeyword(p *Params, k *db.FilterKeyword, create bool) error {
	if p.Has("keyword") || create {
		kw := strings.TrimSpace(p.String("keyword"))
		if kw == "" {
			return fieldErr("keyword", "can't be blank")
		}
		if len(kw) > maxFilterText {
			return fieldErr("keyword", "is too long")
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
	a, ok := h.require(w, r, "write:filters")
	if !ok {
		return nil
	}
	f, err := h.ownFilter(r, a)
	if err != nil {
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

func (h *Handlers) getFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "read:filters")
	if !ok {
		return err
	}
	k, err := h.DB.FilterKeywordByID(r.Context(), a.Account.ID, id)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterKeywordOf(k))
	return nil
}

func (h *Handlers) updateFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:filters")
	if !ok {
		return err
	}
	k, err := h.DB.FilterKeywordByID(r.Context(), a.Account.ID, id)
	if err != nil {
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

func (h *Handlers) deleteFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:filters")
	if !ok {
		return err
	}
	if err := h.DB.DeleteFilterKeyword(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

func (h *Handlers) getFilterStatuses(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:filters")
	if !ok {
		return nil
	}
	f, err := h.ownFilter(r, a)
	if err != nil {
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
	a, ok := h.require(w, r, "write:filters")
	if !ok {
		return nil
	}
	f, err := h.ownFilter(r, a)
	if err != nil {
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

func (h *Handlers) getFilterStatus(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "read:filters")
	if !ok {
		return err
	}
	fs, err := h.DB.FilterStatusByID(r.Context(), a.Account.ID, id)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterStatusOf(fs))
	return nil
}

func (h *Handlers) deleteFilterStatus(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:filters")
	if !ok {
		return err
	}
	if err := h.DB.DeleteFilterStatus(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

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

// ownKeywordFilter loads the keyword named by {id} with its filter.
func (h *Handlers) ownKeywordFilter(r *http.Request, a *auth.Caller) (*db.Filter, *db.FilterKeyword, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	k, err := h.DB.FilterKeywordByID(r.Context(), a.Account.ID, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := h.DB.FilterByID(r.Context(), a.Account.ID, k.FilterID)
	if err != nil {
		return nil, nil, err
	}
	return f, k, nil
}

func (h *Handlers) getFilterV1(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:filters")
	if !ok {
		return nil
	}
	f, k, err := h.ownKeywordFilter(r, a)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterV1Of(f, k))
	return nil
}

// readFilterV1 applies phrase, context[], whole_word, irreversible and
// expires_in to a filter and its keyword.
func readFilterV1(p *Params, f *db.Filter, k *db.FilterKeyword, create bool) error {
	if p.Has("phrase") || create {
		phrase := strings.TrimSpace(p.String("phrase"))
		if phrase == "" {
			return fieldErr("phrase", "can't be blank")
		}
		if len(phrase) > maxFilterText {
			return fieldErr("phrase", "is too long")
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
	a, ok := h.require(w, r, "write:filters")
	if !ok {
		return nil
	}
	f, k, err := h.ownKeywordFilter(r, a)
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	if err := readFilterV1(p, f, k, false); err != nil {
		return err
	}
	edit := db.FilterKeywordEdit{ID: k.ID, Keyword: k.Keyword, WholeWord: k.WholeWord}
	if err := h.DB.UpdateFilter(r.Context(), f, []db.FilterKeywordEdit{edit}); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, entity.FilterV1Of(f, k))
	return nil
}

// deleteFilterV1 deletes the keyword, and its filter when nothing is left in it.
func (h *Handlers) deleteFilterV1(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:filters")
	if !ok {
		return nil
	}
	f, k, err := h.ownKeywordFilter(r, a)
	if err != nil {
		return err
	}
	if len(f.Keywords) <= 1 && len(f.Statuses) == 0 {
		err = h.DB.DeleteFilter(r.Context(), a.Account.ID, f.ID)
	} else {
		err = h.DB.DeleteFilterKeyword(r.Context(), a.Account.ID, k.ID)
	}
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}
