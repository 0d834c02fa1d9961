package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Account endpoints: the caller's own account, profiles, their statuses
// and follow collections, lookup and search. Relationships (follow, block,
// mute …) are in relationships.go, the caller's lists of accounts and
// domains in account_lists.go, search in account_search.go, the profile
// editor in profile_update.go.

// accountRoutes registers the /api/v1 account endpoints.
func (h *Handlers) accountRoutes(r chi.Router) {
	r.Get("/accounts/verify_credentials", h.handler(h.verifyCredentials))
	r.Patch("/accounts/update_credentials", h.handler(h.updateCredentials))
	r.Put("/accounts/update_credentials", h.handler(h.updateCredentials))
	r.Delete("/profile/avatar", h.handler(h.deleteProfileImage("avatar")))
	r.Delete("/profile/header", h.handler(h.deleteProfileImage("header")))
	r.Get("/accounts/lookup", h.handler(h.lookupAccount))
	r.Get("/accounts/search", h.handler(h.searchAccounts))
	r.Get("/accounts/relationships", h.handler(h.getRelationships))
	r.Get("/accounts/familiar_followers", h.handler(h.familiarFollowers))
	r.Get("/accounts/{id}", h.handler(h.getAccount))
	r.Get("/accounts/{id}/statuses", h.handler(h.accountStatuses))
	r.Get("/accounts/{id}/followers", h.handler(h.accountFollows(true)))
	r.Get("/accounts/{id}/following", h.handler(h.accountFollows(false)))
	r.Get("/accounts/{id}/lists", h.handler(h.accountLists))
	r.Get("/accounts/{id}/featured_tags", h.handler(h.accountFeaturedTags))
	h.relationshipRoutes(r)
	h.accountListRoutes(r)
	h.accountMoveRoutes(r)
	r.Get("/preferences", h.handler(h.preferences))
}

// accountV2Routes registers the /api/v2 account endpoints.
func (h *Handlers) accountV2Routes(r chi.Router) {
	r.Get("/suggestions", h.handler(h.suggestionsV2))
}

func (h *Handlers) verifyCredentials(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.requireAny(w, r, "read:accounts", "profile")
	if !ok {
		return nil
	}
	a, err := h.DB.AccountByID(r.Context(), auth.Account.ID)
	if err != nil {
		return err
	}
	out, err := h.present.CredentialAccount(r.Context(), a, ownUser(auth))
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// targetAccount loads the account named by the {id} path parameter (404
// for unknown IDs and accounts the API does not show).
func (h *Handlers) targetAccount(r *http.Request, param string) (*db.Account, error) {
	id, err := pathID(r, param)
	if err != nil {
		return nil, err
	}
	return h.DB.ListedAccountByID(r.Context(), id)
}

func (h *Handlers) getAccount(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.optional(w, r, "read:accounts"); !ok {
		return nil
	}
	a, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.Account(r.Context(), a))
	return nil
}

// isLocalDomain reports whether a handle's domain is this instance.
func (h *Handlers) isLocalDomain(domain string) bool {
	return domain == "" || strings.EqualFold(domain, h.Config.AccountDomain) || strings.EqualFold(domain, h.Config.Host)
}

// splitAcct splits "user", "@user", "user@domain" or "@user@domain".
func splitAcct(acct string) (user, domain string) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	user, domain, _ = strings.Cut(acct, "@")
	return user, strings.ToLower(domain)
}

// accountByAcct finds an account by handle: local, or remote and known, or
// (when resolve is set) remote and fetched through WebFinger.
func (h *Handlers) accountByAcct(ctx context.Context, acct string, resolve bool) (*db.Account, error) {
	user, domain := splitAcct(acct)
	if user == "" {
		return nil, errNotFound
	}
	if h.isLocalDomain(domain) {
		return h.DB.ListedAccountByUsername(ctx, user, "")
	}
	a, err := h.DB.ListedAccountByUsername(ctx, user, domain)
	if err == nil || !errors.Is(err, db.ErrNotFound) || !resolve {
		return a, err
	}
	a, err = h.Engine.Resolver().Handle(ctx, user, domain)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		h.Log.Debug("resolve handle", "acct", acct, "err", err)
		return nil, errNotFound
	}
	return a, nil
}

func (h *Handlers) lookupAccount(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.optional(w, r, "read:accounts")
	if !ok {
		return nil
	}
	// Only signed-in callers make this instance fetch unknown accounts.
	a, err := h.accountByAcct(r.Context(), r.URL.Query().Get("acct"), auth != nil)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.Account(r.Context(), a))
	return nil
}

func (h *Handlers) accountStatuses(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.optional(w, r, "read:statuses")
	if !ok {
		return nil
	}
	a, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	page, err := pageParams(r, 20, 40)
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	var f db.AccountStatusesFilter
	for _, b := range []struct {
		key string
		dst *bool
	}{{"pinned", &f.Pinned}, {"exclude_replies", &f.ExcludeReplies}, {"exclude_reblogs", &f.ExcludeReblogs}, {"only_media", &f.OnlyMedia}} {
		if *b.dst, err = p.BoolDefault(b.key, false); err != nil {
			return err
		}
	}
	f.Tagged = strings.TrimPrefix(strings.TrimSpace(p.String("tagged")), "#")
	// Pinned statuses are one short list: later pages are empty, and no
	// Link header invites clients to ask for them.
	pinnedLater := f.Pinned && (page.MaxID > 0 || page.MinID > 0 || page.SinceID > 0)
	if a.Suspended() || pinnedLater {
		render.JSON(w, http.StatusOK, []entity.Status{})
		return nil
	}
	viewer := viewerID(auth)
	list, err := h.DB.AccountStatuses(r.Context(), a.ID, db.ViewerOf(viewer), f, page)
	if err != nil {
		return err
	}
	out, err := h.present.StatusesIn(r.Context(), viewer, list, "account")
	if err != nil {
		return err
	}
	if !f.Pinned {
		h.setStatusLink(w, r, list)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// accountFollows lists an account's followers or the accounts it follows.
// Hidden collections, suspended accounts and accounts that block the
// caller show an empty list to others, as on Mastodon.
func (h *Handlers) accountFollows(followers bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth, ok := h.optional(w, r, "read:accounts")
		if !ok {
			return nil
		}
		a, err := h.targetAccount(r, "id")
		if err != nil {
			return err
		}
		page, err := pageParams(r, 40, 80)
		if err != nil {
			return err
		}
		viewer := viewerID(auth)
		hidden := a.Suspended() || (a.HideCollections && viewer != a.ID)
		if !hidden && viewer != 0 && viewer != a.ID {
			rel, err := h.DB.RelationshipsOf(r.Context(), viewer, []int64{a.ID})
			if err != nil {
				return err
			}
			hidden = rel.BlockedBy[a.ID]
		}
		if hidden {
			render.JSON(w, http.StatusOK, []entity.Account{})
			return nil
		}
		var list []*db.Account
		var cursors []int64
		if followers {
			list, cursors, err = h.DB.FollowersPage(r.Context(), a.ID, page)
		} else {
			list, cursors, err = h.DB.FollowingPage(r.Context(), a.ID, page)
		}
		if err != nil {
			return err
		}
		h.setCursorLink(w, r, cursors)
		render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), list))
		return nil
	}
}

// maxBatchIDs bounds the id[] lists of batch endpoints.
const maxBatchIDs = 100

// batchIDs reads id[] (or id) of a batch endpoint, without duplicates.
func batchIDs(p *Params) ([]int64, error) {
	ids, err := p.IDs("id")
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) > maxBatchIDs {
		return nil, fieldErr("id", "has too many entries (the maximum is 100)")
	}
	return out, nil
}

func (h *Handlers) familiarFollowers(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "read:follows")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	ids, err := batchIDs(p)
	if err != nil {
		return err
	}
	known, err := h.DB.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	familiar, err := h.DB.FamiliarFollowers(r.Context(), auth.Account.ID, ids)
	if err != nil {
		return err
	}
	out := make([]entity.FamiliarFollowers, 0, len(ids))
	for _, id := range ids {
		if known[id] == nil {
			continue
		}
		out = append(out, entity.FamiliarFollowers{ID: db.FormatID(id), Accounts: h.present.Accounts(r.Context(), familiar[id])})
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// Preferences is Mastodon's Preferences entity.
type Preferences struct {
	Visibility     string  `json:"posting:default:visibility"`
	Sensitive      bool    `json:"posting:default:sensitive"`
	Language       *string `json:"posting:default:language"`
	ExpandMedia    string  `json:"reading:expand:media"`
	ExpandSpoilers bool    `json:"reading:expand:spoilers"`
}

func (h *Handlers) preferences(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "read:accounts")
	if !ok {
		return nil
	}
	out := Preferences{Visibility: "public", ExpandMedia: "default"}
	if u := ownUser(auth); u != nil {
		if u.DefaultPrivacy != "" {
			out.Visibility = u.DefaultPrivacy
		}
		out.Sensitive = u.DefaultSensitive
		out.Language = entity.OptString(u.DefaultLanguage)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) accountLists(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "read:lists")
	if !ok {
		return nil
	}
	a, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	lists, err := h.DB.ListsContaining(r.Context(), auth.Account.ID, a.ID)
	if err != nil {
		return err
	}
	out := make([]entity.List, 0, len(lists))
	for _, l := range lists {
		out = append(out, entity.List{ID: db.FormatID(l.ID), Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive})
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// emptyList answers [] to a caller with scope: features Kontor does not
// have yet (endorsements), which clients call
// on core screens.
func (h *Handlers) emptyList(scope string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := h.require(w, r, scope); !ok {
			return nil
		}
		render.JSON(w, http.StatusOK, []any{})
		return nil
	}
}
