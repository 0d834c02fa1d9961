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
	auth, ok := h.require(w, r, "read:accounts")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	limit, _, err := p.Int("limit")
	if err != nil {
		return err
	}
	if limit <= 0 {
		limit = 40
	}
	offset, _, err := p.Int("offset")
	if err != nil {
		return err
	}
	if offset < 0 {
		return fieldErr("offset", "must not be negative")
	}
	resolve, err := p.BoolDefault("resolve", false)
	if err != nil {
		return err
	}
	following, err := p.BoolDefault("following", false)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(p.String("q"))
	if q == "" {
		render.JSON(w, http.StatusOK, []entity.Account{})
		return nil
	}
	var exact *db.Account
	if offset == 0 {
		exact = h.resolveSearchTarget(r.Context(), q, resolve)
	}
	s := db.AccountSearch{Following: following, Limit: int(min(limit, 80)), Offset: int(offset)}
	user, domain := splitAcct(q)
	if strings.Contains(strings.TrimPrefix(q, "@"), "@") {
		s.Username = user
		if h.isLocalDomain(domain) {
			s.Local = true
		} else {
			s.Domain = domain
		}
	} else {
		s.Text = user
	}
	var list []*db.Account
	if !strings.HasPrefix(q, "https://") && !strings.HasPrefix(q, "http://") {
		if list, err = h.DB.SearchAccounts(r.Context(), auth.Account.ID, s); err != nil {
			return err
		}
	}
	if exact != nil {
		// The exact match obeys the rules of the search: listed, and no
		// blocks either way.
		exact, err = h.searchable(r.Context(), auth.Account.ID, exact, following)
		if err != nil {
			return err
		}
	}
	if exact != nil && !exact.Suspended() {
		merged := []*db.Account{exact}
		for _, a := range list {
			if a.ID != exact.ID {
				merged = append(merged, a)
			}
		}
		list = merged[:min(len(merged), s.Limit)]
	}
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), list))
	return nil
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
