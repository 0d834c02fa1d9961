package api

import (
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

// Filters (v2): a filter has a title, contexts, an action, an expiry, and
// keywords and statuses (filter_keywords.go). The v1 API shows each keyword
// as a filter of its own (filters_v1.go). Every change is announced to
// streaming, whose connections apply the same filters.

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
		r.Get("/keywords/{id}", h.handler(showOwn(h, "read:filters", h.DB.FilterKeywordByID, entity.FilterKeywordOf)))
		r.Put("/keywords/{id}", h.handler(h.updateFilterKeyword))
		r.Delete("/keywords/{id}", h.handler(h.deleteOwn("write:filters", h.DB.DeleteFilterKeyword)))
		r.Get("/statuses/{id}", h.handler(showOwn(h, "read:filters", h.DB.FilterStatusByID, entity.FilterStatusOf)))
		r.Delete("/statuses/{id}", h.handler(h.deleteOwn("write:filters", h.DB.DeleteFilterStatus)))
		r.Get("/{id}", h.handler(showOwn(h, "read:filters", h.DB.FilterByID, entity.FilterOf)))
		r.Put("/{id}", h.handler(h.updateFilter))
		r.Delete("/{id}", h.handler(h.deleteOwn("write:filters", h.DB.DeleteFilter)))
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

// readFilter applies title, context[], filter_action and expires_in from p
// to f; on create the title and context are required.
func readFilter(p *Params, f *db.Filter, create bool) error {
	if p.Has("title") || create {
		title, err := filterText("title", p.String("title"))
		if err != nil {
			return err
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

// filterText reads a title, phrase or keyword: trimmed, not blank, at most
// maxFilterText bytes.
func filterText(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fieldErr(field, "can't be blank")
	}
	if len(s) > maxFilterText {
		return "", fieldErr(field, "is too long")
	}
	return s, nil
}

// readFilterContexts reads context[] (at least one).
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
		if e.Destroy, err = parseBool("keywords_attributes[_destroy]", attrs["_destroy"]); err != nil {
			return nil, err
		}
		if e.Destroy {
			edits = append(edits, e)
			continue
		}
		if e.Keyword, err = filterText("keywords_attributes[keyword]", attrs["keyword"]); err != nil {
			return nil, err
		}
		e.WholeWord = true
		if ww, ok := attrs["whole_word"]; ok {
			if e.WholeWord, err = parseBool("keywords_attributes[whole_word]", ww); err != nil {
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

// renderFilter answers a filter as stored (reloaded with its keywords).
func (h *Handlers) renderFilter(w http.ResponseWriter, r *http.Request, ownerID, id int64) error {
	f, err := h.DB.FilterByID(r.Context(), ownerID, id)
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
	a, f, ok, err := requireOwn(h, w, r, "write:filters", h.DB.FilterByID)
	if !ok {
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
