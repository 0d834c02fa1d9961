package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Account search: GET /api/v1/accounts/search finds local and known
// remote accounts by username or display name prefix; with resolve=true a
// user@domain handle or an actor URL is fetched when unknown.

func (h *Handlers) searchAccounts(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:accounts")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	q, err := h.readAccountSearch(p)
	if err != nil {
		return err
	}
	if q.text == "" {
		render.JSON(w, http.StatusOK, []entity.Account{})
		return nil
	}
	list, err := h.findAccountsFor(r.Context(), a.Account.ID, q)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), list))
	return nil
}

// accountQuery is a request of GET /api/v1/accounts/search.
type accountQuery struct {
	text    string
	resolve bool
	search  db.AccountSearch
}

// readAccountSearch reads q, limit (default 40, at most 80), offset,
// resolve and following; a user@domain query searches that handle.
func (h *Handlers) readAccountSearch(p *Params) (*accountQuery, error) {
	limit, _, err := p.Int("limit")
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 40
	}
	offset, _, err := p.Int("offset")
	if err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fieldErr("offset", "must not be negative")
	}
	q := &accountQuery{text: strings.TrimSpace(p.String("q")), search: db.AccountSearch{Limit: int(min(limit, 80)), Offset: int(offset)}}
	if q.resolve, err = p.BoolDefault("resolve", false); err != nil {
		return nil, err
	}
	if q.search.Following, err = p.BoolDefault("following", false); err != nil {
		return nil, err
	}
	user, domain := splitAcct(q.text)
	switch {
	case !strings.Contains(strings.TrimPrefix(q.text, "@"), "@"):
		q.search.Text = user
	case h.isLocalDomain(domain):
		q.search.Username, q.search.Local = user, true
	default:
		q.search.Username, q.search.Domain = user, domain
	}
	return q, nil
}

// findAccountsFor runs an account search for viewer: the stored accounts
// that match, after the one account the query names exactly (resolved
// when asked to), if the viewer may find it.
func (h *Handlers) findAccountsFor(ctx context.Context, viewer int64, q *accountQuery) ([]*db.Account, error) {
	var exact *db.Account
	if q.search.Offset == 0 {
		exact = h.resolveSearchTarget(ctx, q.text, q.resolve)
	}
	var list []*db.Account
	if !strings.HasPrefix(q.text, "https://") && !strings.HasPrefix(q.text, "http://") {
		var err error
		if list, err = h.DB.SearchAccounts(ctx, viewer, q.search); err != nil {
			return nil, err
		}
	}
	if exact == nil {
		return list, nil
	}
	// The exact match obeys the rules of the search: listed, and no
	// blocks either way.
	exact, err := h.searchable(ctx, viewer, exact, q.search.Following)
	if err != nil || exact == nil || exact.Suspended() {
		return list, err
	}
	merged := []*db.Account{exact}
	for _, a := range list {
		if a.ID != exact.ID {
			merged = append(merged, a)
		}
	}
	return merged[:min(len(merged), q.search.Limit)], nil
}

// searchable returns a when the viewer may find it by search (nil if not):
// a listed account, no block either way, not on a domain the viewer
// blocks, and followed by the viewer when following is set.
func (h *Handlers) searchable(ctx context.Context, viewer int64, a *db.Account, following bool) (*db.Account, error) {
	a, err := h.DB.ListedAccountByID(ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rel, err := h.DB.RelationshipsOf(ctx, viewer, []int64{a.ID})
	if err != nil {
		return nil, err
	}
	if rel.Blocking[a.ID] || rel.BlockedBy[a.ID] || rel.DomainBlocking[a.ID] {
		return nil, nil
	}
	if f := rel.Following[a.ID]; following && (f == nil || !f.Accepted) {
		return nil, nil
	}
	return a, nil
}

// resolveSearchTarget finds the one account a query names exactly: an
// actor or profile URL, or (with fetch) an unknown user@domain through
// WebFinger or an unknown actor URL.
func (h *Handlers) resolveSearchTarget(ctx context.Context, q string, fetch bool) *db.Account {
	if strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://") {
		if a, err := h.DB.AccountByURI(ctx, q); err == nil {
			return a
		}
		if a, err := h.DB.AccountByURL(ctx, q); err == nil {
			return a
		}
		if !fetch {
			return nil
		}
		a, err := h.Engine.Resolver().Actor(ctx, q, false)
		if err != nil {
			h.Log.Debug("search: resolve URL", "q", q, "err", err)
			return nil
		}
		return a
	}
	if _, domain := splitAcct(q); !fetch || h.isLocalDomain(domain) {
		return nil // the search itself finds local and known accounts
	}
	a, err := h.accountByAcct(ctx, q, true)
	if err != nil {
		return nil
	}
	return a
}
