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

// SearchResults is Mastodon's v2 Search entity.
type SearchResults struct {
	Accounts []entity.Account `json:"accounts"`
	Statuses []entity.Status  `json:"statuses"`
	Hashtags []entity.Tag     `json:"hashtags"`
}

// SearchResultsV1 is the v1 Search entity: hashtags are names.
type SearchResultsV1 struct {
	Accounts []entity.Account `json:"accounts"`
	Statuses []entity.Status  `json:"statuses"`
	Hashtags []string         `json:"hashtags"`
}

// maxSearchWords bounds the words of a full-text query.
const maxSearchWords = 8

// searchRoutes registers GET /api/v1/search (v2 with hashtag names).
func (h *Handlers) searchRoutes(r chi.Router) {
	r.Get("/search", h.handler(h.searchV1))
}

// searchV2Routes registers GET /api/v2/search.
func (h *Handlers) searchV2Routes(r chi.Router) {
	r.Get("/search", h.handler(h.searchV2))
}

func (h *Handlers) searchV2(w http.ResponseWriter, r *http.Request) error {
	res, ok, err := h.search(w, r)
	if err != nil || !ok {
		return err
	}
	render.JSON(w, http.StatusOK, res)
	return nil
}

func (h *Handlers) searchV1(w http.ResponseWriter, r *http.Request) error {
	res, ok, err := h.search(w, r)
	if err != nil || !ok {
		return err
	}
	out := SearchResultsV1{Accounts: res.Accounts, Statuses: res.Statuses, Hashtags: make([]string, 0, len(res.Hashtags))}
	for _, t := range res.Hashtags {
		out.Hashtags = append(out.Hashtags, t.Name)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// searchQuery is a parsed search request.
type searchQuery struct {
	viewer    int64
	q         string
	typ       string
	resolve   bool
	following bool
	accountID int64
	limit     int
	offset    int
	page      db.Page
}

func (s *searchQuery) wants(typ string) bool { return s.typ == "" || s.typ == typ }

// search runs a search (q, type, resolve, following, account_id,
// max_id/min_id, limit, offset). ok is false when it already answered
// (401/403).
func (h *Handlers) search(w http.ResponseWriter, r *http.Request) (*SearchResults, bool, error) {
	a, ok := h.optional(w, r, "read:search")
	if !ok {
		return nil, false, nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return nil, false, err
	}
	sq, err := readSearchQuery(r, p, viewerID(a))
	if err != nil {
		return nil, false, err
	}
	res, err := h.runSearch(r.Context(), sq)
	return res, err == nil, err
}

// readSearchQuery reads the parameters of a search by viewer (0:
// anonymous, who may neither resolve nor page).
func readSearchQuery(r *http.Request, p *Params, viewer int64) (*searchQuery, error) {
	sq := &searchQuery{viewer: viewer, q: strings.TrimSpace(p.String("q")), typ: p.String("type")}
	if sq.q == "" {
		return nil, badRequest("param is missing or the value is empty: q")
	}
	var err error
	if sq.resolve, err = p.BoolDefault("resolve", false); err != nil {
		return nil, err
	}
	if sq.following, err = p.BoolDefault("following", false); err != nil {
		return nil, err
	}
	if id, ok, err := p.ID("account_id"); err != nil {
		return nil, err
	} else if ok {
		sq.accountID = id
	}
	if sq.page, err = pageParams(r, 20, 40); err != nil {
		return nil, err
	}
	sq.limit = sq.page.Limit
	if n, ok, err := p.Int("offset"); err != nil {
		return nil, err
	} else if ok {
		if n < 0 {
			return nil, fieldErr("offset", "must not be negative")
		}
		sq.offset = int(min(n, 10000))
	}
	if sq.viewer == 0 && sq.resolve {
		return nil, apiErr(http.StatusUnauthorized, "Search queries that resolve remote resources are not supported without authentication")
	}
	if sq.viewer == 0 && sq.offset > 0 {
		return nil, apiErr(http.StatusUnauthorized, "Search queries pagination is not supported without authentication")
	}
	return sq, nil
}

// runSearch finds what a search asks for: the status or account a URL
// names, or accounts, hashtags and statuses matching the words.
func (h *Handlers) runSearch(ctx context.Context, sq *searchQuery) (*SearchResults, error) {
	res := &SearchResults{Accounts: []entity.Account{}, Statuses: []entity.Status{}, Hashtags: []entity.Tag{}}
	if sq.typ != "" && !slices.Contains([]string{"accounts", "hashtags", "statuses"}, sq.typ) {
		return res, nil // Mastodon finds nothing of an unknown type
	}
	if strings.HasPrefix(sq.q, "https://") || strings.HasPrefix(sq.q, "http://") {
		return res, h.searchURL(ctx, sq, res)
	}
	var accounts []*db.Account
	if sq.wants("accounts") {
		var err error
		if accounts, err = h.findAccounts(ctx, sq); err != nil {
			return nil, err
		}
	}
	res.Accounts = h.present.Accounts(ctx, accounts)
	if sq.wants("hashtags") && sq.accountID == 0 {
		if name := strings.TrimPrefix(sq.q, "#"); validTagName(name) {
			tags, err := h.DB.SearchTags(ctx, name, sq.limit, sq.offset)
			if err != nil {
				return nil, err
			}
			if res.Hashtags, err = h.present.Tags(ctx, sq.viewer, tags); err != nil {
				return nil, err
			}
		}
	}
	if sq.wants("statuses") && !looksLikeHandle(sq.q) {
		words := strings.Fields(sq.q)
		if len(words) > maxSearchWords {
			words = words[:maxSearchWords]
		}
		list, err := h.DB.SearchStatuses(ctx, sq.viewer, db.StatusSearch{Words: words, AccountID: sq.accountID, Page: sq.page, Offset: sq.offset})
		if err != nil {
			return nil, err
		}
		if res.Statuses, err = h.present.Statuses(ctx, sq.viewer, list); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// looksLikeHandle reports whether q is an @handle (or user@domain).
func looksLikeHandle(q string) bool {
	return !strings.ContainsAny(q, " \t") && (strings.HasPrefix(q, "@") || strings.Count(q, "@") == 1 && !strings.HasSuffix(q, "@"))
}

// findAccounts finds accounts by handle (resolving user@domain through
// WebFinger when asked to) or by the start of a username or display name.
func (h *Handlers) findAccounts(ctx context.Context, sq *searchQuery) ([]*db.Account, error) {
	q := strings.TrimPrefix(sq.q, "@")
	s := db.AccountSearch{Following: sq.following, Limit: sq.limit, Offset: sq.offset}
	var resolved *db.Account
	if user, domain, ok := strings.Cut(q, "@"); ok && user != "" && domain != "" && !strings.ContainsAny(q, " \t") {
		urls := h.Engine.URLs()
		s.Username = user
		if strings.EqualFold(domain, urls.AccountDomain()) || strings.EqualFold(domain, urls.Host()) {
			s.Local = true
		} else {
			s.Domain = strings.ToLower(domain)
			if sq.resolve && sq.offset == 0 {
				if a, err := h.Engine.Resolver().Handle(ctx, user, domain); err == nil {
					resolved = a
				} else {
					h.Log.Debug("search: resolve handle", "handle", q, "err", err)
				}
			}
		}
	} else {
		s.Text = q
	}
	list, err := h.DB.SearchAccounts(ctx, sq.viewer, s)
	if err != nil {
		return nil, err
	}
	if resolved == nil || slices.ContainsFunc(list, func(a *db.Account) bool { return a.ID == resolved.ID }) {
		return list, nil
	}
	// The resolved account passes the same checks as the stored ones.
	s = db.AccountSearch{Username: resolved.Username, Domain: resolved.Domain, Local: resolved.Local(), Exact: true, Following: sq.following, Limit: 1}
	found, err := h.DB.SearchAccounts(ctx, sq.viewer, s)
	if err != nil {
		return nil, err
	}
	if len(found) == 1 && found[0].ID == resolved.ID {
		list = append([]*db.Account{found[0]}, list...)
		if len(list) > sq.limit {
			list = list[:sq.limit]
		}
	}
	return list, nil
}

// searchURL finds the status or account a URL names: stored ones first,
// then (resolve=true) fetched from their origin. A status is answered only
// if the caller may see it, however it was found.
func (h *Handlers) searchURL(ctx context.Context, sq *searchQuery, res *SearchResults) error {
	if sq.offset > 0 {
		return nil
	}
	v := db.ViewerOf(sq.viewer)
	if sq.wants("statuses") {
		s, err := h.DB.StatusByURLFor(ctx, sq.q, v)
		if errors.Is(err, db.ErrNotFound) && sq.resolve {
			if fetched, ferr := h.Engine.FetchStatusFor(ctx, sq.q, sq.viewer); ferr == nil {
				s, err = h.DB.StatusByID(ctx, fetched.ID, v)
			} else {
				h.Log.Debug("search: fetch status", "url", sq.q, "err", ferr)
			}
		}
		if err == nil {
			if res.Statuses, err = h.present.Statuses(ctx, sq.viewer, []*db.Status{s}); err != nil {
				return err
			}
			return nil
		}
		if !errors.Is(err, db.ErrNotFound) {
			return err
		}
	}
	if !sq.wants("accounts") {
		return nil
	}
	a, err := h.DB.AccountByURI(ctx, sq.q)
	if errors.Is(err, db.ErrNotFound) {
		a, err = h.DB.AccountByURL(ctx, sq.q)
	}
	if errors.Is(err, db.ErrNotFound) && sq.resolve {
		a, err = h.Engine.Resolver().Actor(ctx, sq.q, false)
		if err != nil {
			h.Log.Debug("search: fetch actor", "url", sq.q, "err", err)
			return nil
		}
	}
	if err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		return err
	}
	found, err := h.DB.SearchAccounts(ctx, sq.viewer, db.AccountSearch{Username: a.Username, Domain: a.Domain, Local: a.Local(), Exact: true, Following: sq.following, Limit: 1})
	if err != nil {
		return err
	}
	if len(found) == 1 && found[0].ID == a.ID {
		res.Accounts = h.present.Accounts(ctx, found)
	}
	return nil
}
