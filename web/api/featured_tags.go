package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// featuredTag is Mastodon's FeaturedTag entity (statuses_count a string,
// last_status_at a date, as Mastodon sends them).
type featuredTag struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	URL           string  `json:"url"`
	StatusesCount string  `json:"statuses_count"`
	LastStatusAt  *string `json:"last_status_at"`
}

func (h *Handlers) presentFeaturedTag(ft *db.FeaturedTag) featuredTag {
	name := ft.DisplayName
	if name == "" || db.NormalizeTagName(name) != ft.Name {
		name = ft.Name
	}
	out := featuredTag{ID: db.FormatID(ft.ID), Name: name, URL: h.Engine.URLs().Tag(ft.Name),
		StatusesCount: strconv.FormatInt(ft.StatusesCount, 10)}
	if ft.LastStatusAt != nil {
		day := ft.LastStatusAt.UTC().Format("2006-01-02")
		out.LastStatusAt = &day
	}
	return out
}

func (h *Handlers) renderFeaturedTags(w http.ResponseWriter, r *http.Request, accountID int64) error {
	list, err := h.DB.FeaturedTags(r.Context(), accountID)
	if err != nil {
		return err
	}
	out := make([]featuredTag, len(list))
	for i, ft := range list {
		out[i] = h.presentFeaturedTag(ft)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// featuredTags is GET /api/v1/featured_tags: the caller's own.
func (h *Handlers) featuredTags(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:accounts")
	if !ok {
		return nil
	}
	return h.renderFeaturedTags(w, r, a.Account.ID)
}

// accountFeaturedTags is GET /api/v1/accounts/:id/featured_tags (public).
func (h *Handlers) accountFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.optional(w, r, "read:accounts"); !ok {
		return nil
	}
	target, err := h.targetAccount(r, "id")
	if err != nil {
		return err
	}
	return h.renderFeaturedTags(w, r, target.ID)
}

// featureTag is POST /api/v1/featured_tags (name).
func (h *Handlers) featureTag(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(strings.TrimSpace(p.String("name")), "#")
	if !validTagName(name) {
		return fieldErr("name", "is not a valid hashtag")
	}
	ft, err := h.Engine.FeatureTag(r.Context(), a.Account, name)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.presentFeaturedTag(ft))
	return nil
}

// unfeatureTag is DELETE /api/v1/featured_tags/:id.
func (h *Handlers) unfeatureTag(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Engine.UnfeatureTag(r.Context(), a.Account, id); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// featuredTagSuggestions is GET /api/v1/featured_tags/suggestions: the
// caller's recently used hashtags not featured yet (Tag entities).
func (h *Handlers) featuredTagSuggestions(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:accounts")
	if !ok {
		return nil
	}
	tags, err := h.DB.FeaturedTagSuggestions(r.Context(), a.Account.ID, 10)
	if err != nil {
		return err
	}
	out, err := h.present.Tags(r.Context(), a.Account.ID, tags)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}
