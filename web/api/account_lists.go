package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// The caller's own lists of accounts and domains: blocks, mutes, domain
// blocks, featured tags, suggestions, and endorsements (always empty).

func (h *Handlers) accountListRoutes(r chi.Router) {
	r.Get("/blocks", h.handler(h.blocks))
	r.Get("/mutes", h.handler(h.mutes))
	r.Get("/domain_blocks", h.handler(h.domainBlocks))
	r.Post("/domain_blocks", h.handler(h.addDomainBlock))
	r.Delete("/domain_blocks", h.handler(h.removeDomainBlock))
	r.Get("/endorsements", h.handler(h.emptyList("read:accounts")))
	r.Get("/featured_tags", h.handler(h.featuredTags))
	r.Post("/featured_tags", h.handler(h.featureTag))
	r.Get("/featured_tags/suggestions", h.handler(h.featuredTagSuggestions))
	r.Delete("/featured_tags/{id}", h.handler(h.unfeatureTag))
	r.Get("/suggestions", h.handler(h.suggestionsV1))
	r.Delete("/suggestions/{id}", h.handler(h.dismissSuggestion))
}

func (h *Handlers) blocks(w http.ResponseWriter, r *http.Request) error {
	auth, page, ok, err := h.requirePage(w, r, "read:blocks", 40, 80)
	if !ok {
		return err
	}
	list, cursors, err := h.DB.BlocksPage(r.Context(), auth.Account.ID, page)
	if err != nil {
		return err
	}
	h.setCursorLink(w, r, cursors)
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), list))
	return nil
}

func (h *Handlers) mutes(w http.ResponseWriter, r *http.Request) error {
	auth, page, ok, err := h.requirePage(w, r, "read:mutes", 40, 80)
	if !ok {
		return err
	}
	list, cursors, expiry, err := h.DB.MutesPage(r.Context(), auth.Account.ID, page)
	if err != nil {
		return err
	}
	accounts := h.present.Accounts(r.Context(), list)
	out := make([]entity.MutedAccount, len(accounts))
	for i := range accounts {
		out[i] = entity.MutedAccount{Account: accounts[i], MuteExpiresAt: entity.TimePtr(expiry[i])}
	}
	h.setCursorLink(w, r, cursors)
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) domainBlocks(w http.ResponseWriter, r *http.Request) error {
	auth, page, ok, err := h.requirePage(w, r, "read:blocks", 100, 200)
	if !ok {
		return err
	}
	list, err := h.DB.AccountDomainBlocksPage(r.Context(), auth.Account.ID, page)
	if err != nil {
		return err
	}
	out := make([]string, len(list))
	cursors := make([]int64, len(list))
	for i, b := range list {
		out[i], cursors[i] = b.Domain, b.ID
	}
	h.setCursorLink(w, r, cursors)
	render.JSON(w, http.StatusOK, out)
	return nil
}

// domainParam reads and normalizes the domain of a user domain block:
// a host name (with a port, as remote accounts on non-default ports have),
// never this instance.
func (h *Handlers) domainParam(r *http.Request) (string, error) {
	p, err := ReadParams(r)
	if err != nil {
		return "", err
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(p.String("domain"))), ".")
	if d == "" {
		return "", fieldErr("domain", "can't be blank")
	}
	if strings.ContainsAny(d, "/@?#\\ \t") || vocab.Host("https://"+d) != d {
		return "", fieldErr("domain", "is not a valid domain name")
	}
	if h.isLocalDomain(d) {
		return "", fieldErr("domain", "can't be this instance")
	}
	return d, nil
}

// addDomainBlock is POST /api/v1/domain_blocks: the domain is blocked and
// the follows with its accounts end.
func (h *Handlers) addDomainBlock(w http.ResponseWriter, r *http.Request) error {
	return h.editDomainBlock(w, r, func(ctx context.Context, a *db.Account, domain string) error {
		if err := h.DB.AddAccountDomainBlock(ctx, a.ID, domain); err != nil {
			return err
		}
		return h.dropDomainFollows(ctx, a, domain)
	})
}

// removeDomainBlock is DELETE /api/v1/domain_blocks.
func (h *Handlers) removeDomainBlock(w http.ResponseWriter, r *http.Request) error {
	return h.editDomainBlock(w, r, func(ctx context.Context, a *db.Account, domain string) error {
		return h.DB.RemoveAccountDomainBlock(ctx, a.ID, domain)
	})
}

// editDomainBlock applies edit to the caller (write:blocks) and the domain
// parameter, and answers {}.
func (h *Handlers) editDomainBlock(w http.ResponseWriter, r *http.Request, edit func(ctx context.Context, a *db.Account, domain string) error) error {
	a, ok := h.require(w, r, "write:blocks")
	if !ok {
		return nil
	}
	domain, err := h.domainParam(r)
	if err != nil {
		return err
	}
	if err := edit(r.Context(), a.Account, domain); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]any{})
	return nil
}

// dropDomainFollows ends the follows between account and the accounts of a
// domain it blocks, both ways (its follows are undone, theirs rejected),
// as Mastodon does after a user's domain block.
func (h *Handlers) dropDomainFollows(ctx context.Context, a *db.Account, domain string) error {
	following, followers, err := h.DB.FollowsWithDomain(ctx, a.ID, domain)
	if err != nil {
		return err
	}
	for _, t := range following {
		if err := h.Engine.Unfollow(ctx, a, t); err != nil {
			return err
		}
	}
	for _, f := range followers {
		if err := h.Engine.RemoveFromFollowers(ctx, a, f); err != nil {
			return err
		}
	}
	return nil
}
