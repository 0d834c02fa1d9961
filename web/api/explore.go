package api

import (
	"net/http"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// offsetParams reads limit (default def, at most most) and offset, the
// paging of trends and suggestions.
func offsetParams(r *http.Request, def, most int) (limit, offset int, err error) {
	p, err := ReadParams(r)
	if err != nil {
		return 0, 0, err
	}
	limit = def
	if n, ok, err := p.Int("limit"); err != nil {
		return 0, 0, err
	} else if ok {
		limit = int(min(max(n, 1), int64(most)))
	}
	if n, ok, err := p.Int("offset"); err != nil {
		return 0, 0, err
	} else if ok {
		offset = int(min(max(n, 0), 10_000))
	}
	return limit, offset, nil
}

// trendingTags is GET /api/v1/trends/tags (public): hashtags used by most
// accounts here over the last week, recent days weighing more.
func (h *Handlers) trendingTags(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := offsetParams(r, 10, 20)
	if err != nil {
		return err
	}
	tags, err := h.DB.TrendingTags(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	out, err := h.present.Tags(r.Context(), viewerID(auth.From(r.Context())), tags)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// trendingStatuses is GET /api/v1/trends/statuses (public): the most
// favourited and boosted public posts of the last two days.
func (h *Handlers) trendingStatuses(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := offsetParams(r, 20, 40)
	if err != nil {
		return err
	}
	ids, err := h.DB.TrendingStatusIDs(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	viewer := viewerID(auth.From(r.Context()))
	// The viewer's blocks and mutes still apply: the one visibility rule.
	found, err := h.DB.VisibleStatusesByIDs(r.Context(), ids, db.ViewerOf(viewer))
	if err != nil {
		return err
	}
	list := make([]*db.Status, 0, len(ids))
	for _, id := range ids {
		if s := found[id]; s != nil {
			list = append(list, s)
		}
	}
	out, err := h.present.StatusesIn(r.Context(), viewer, list, "public")
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// suggestion is Mastodon's Suggestion entity (API v2).
type suggestion struct {
	Source  string         `json:"source"`
	Sources []string       `json:"sources"`
	Account entity.Account `json:"account"`
}

// suggestionsV2 is GET /api/v2/suggestions: accounts followed by the people
// the caller follows, then the most followed local accounts.
func (h *Handlers) suggestionsV2(w http.ResponseWriter, r *http.Request) error {
	return h.suggest(w, r, func(list []db.Suggestion, accounts []entity.Account) any {
		out := make([]suggestion, len(list))
		for i, s := range list {
			// v2's legacy "source" knows only staff, global and past_interactions.
			out[i] = suggestion{Source: "global", Sources: []string{s.Source}, Account: accounts[i]}
		}
		return out
	})
}

// suggestionsV1 is GET /api/v1/suggestions: the same accounts, bare.
func (h *Handlers) suggestionsV1(w http.ResponseWriter, r *http.Request) error {
	return h.suggest(w, r, func(_ []db.Suggestion, accounts []entity.Account) any { return accounts })
}

func (h *Handlers) suggest(w http.ResponseWriter, r *http.Request, shape func([]db.Suggestion, []entity.Account) any) error {
	a, ok := h.require(w, r, "read")
	if !ok {
		return nil
	}
	limit, _, err := offsetParams(r, 40, 80)
	if err != nil {
		return err
	}
	list, err := h.DB.Suggestions(r.Context(), a.Account.ID, limit)
	if err != nil {
		return err
	}
	accounts := make([]*db.Account, len(list))
	for i, s := range list {
		accounts[i] = s.Account
	}
	render.JSON(w, http.StatusOK, shape(list, h.present.Accounts(r.Context(), accounts)))
	return nil
}

// dismissSuggestion is DELETE /api/v1/suggestions/:id: never suggest
// that account again.
func (h *Handlers) dismissSuggestion(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write")
	if !ok {
		return nil
	}
	target, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	if err := h.DB.DismissSuggestion(r.Context(), a.Account.ID, target.ID); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}
