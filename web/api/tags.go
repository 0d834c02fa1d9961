package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// maxTagName bounds a hashtag name (in runes).
const maxTagName = 100

// validTagName reports whether s is a hashtag name Mastodon accepts: word
// characters (letters, digits, marks, _, ·, ZWNJ), not only digits.
func validTagName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxTagName {
		return false
	}
	nonDigit := false
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
		case unicode.IsLetter(r) || unicode.IsMark(r) || r == '_' || r == '·' || r == '\u200c':
			nonDigit = true
		default:
			return false
		}
	}
	return nonDigit
}

// tagRoutes registers /api/v1/tags and /api/v1/followed_tags.
func (h *Handlers) tagRoutes(r chi.Router) {
	r.Get("/tags/{name}", h.handler(h.getTag))
	r.Post("/tags/{name}/follow", h.handler(h.followTag))
	r.Post("/tags/{name}/unfollow", h.handler(h.unfollowTag))
	r.Get("/followed_tags", h.handler(h.followedTags))
}

// tagName reads the {name} path parameter (404 when it is no hashtag).
func tagName(r *http.Request) (string, error) {
	name := strings.TrimPrefix(chi.URLParam(r, "name"), "#")
	if !validTagName(name) {
		return "", errNotFound
	}
	return name, nil
}

// getTag answers any valid hashtag, used or not (as Mastodon does).
func (h *Handlers) getTag(w http.ResponseWriter, r *http.Request) error {
	name, err := tagName(r)
	if err != nil {
		return err
	}
	t, err := h.tagByName(r.Context(), name)
	if err != nil {
		return err
	}
	return h.renderTag(w, r, viewerID(auth.From(r.Context())), t)
}

// tagByName is the stored hashtag, or one nobody used yet.
func (h *Handlers) tagByName(ctx context.Context, name string) (*db.Tag, error) {
	t, err := h.DB.TagByName(ctx, name)
	if errors.Is(err, db.ErrNotFound) {
		return &db.Tag{Name: db.NormalizeTagName(name), DisplayName: name}, nil
	}
	return t, err
}

// renderTag answers a hashtag as viewer sees it.
func (h *Handlers) renderTag(w http.ResponseWriter, r *http.Request, viewer int64, t *db.Tag) error {
	out, err := h.present.Tags(r.Context(), viewer, []*db.Tag{t})
	return renderFirst(w, out, err)
}

func (h *Handlers) followTag(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:follows")
	if !ok {
		return nil
	}
	name, err := tagName(r)
	if err != nil {
		return err
	}
	t, err := h.DB.FollowTag(r.Context(), a.Account.ID, name)
	if err != nil {
		return err
	}
	return h.renderTag(w, r, a.Account.ID, t)
}

func (h *Handlers) unfollowTag(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:follows")
	if !ok {
		return nil
	}
	name, err := tagName(r)
	if err != nil {
		return err
	}
	t, err := h.tagByName(r.Context(), name)
	if err != nil {
		return err
	}
	if t.ID != 0 {
		if err := h.DB.UnfollowTag(r.Context(), a.Account.ID, t.ID); err != nil {
			return err
		}
	}
	return h.renderTag(w, r, a.Account.ID, t)
}

// followedTags pages the caller's followed hashtags (limit 100, at most 200).
func (h *Handlers) followedTags(w http.ResponseWriter, r *http.Request) error {
	a, page, ok, err := h.requirePage(w, r, "read:follows", 100, 200)
	if !ok {
		return err
	}
	list, err := h.DB.FollowedTags(r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	out, err := h.present.Tags(r.Context(), a.Account.ID, list)
	if err != nil {
		return err
	}
	setPageLink(h, w, r, list, func(t *db.Tag) int64 { return t.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}
