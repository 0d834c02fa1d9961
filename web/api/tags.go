package api

import (
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
	viewer := viewerID(auth.From(r.Context()))
	t, err := h.DB.TagByName(r.Context(), name)
	if errors.Is(err, db.ErrNotFound) {
		t = &db.Tag{Name: db.NormalizeTagName(name), DisplayName: name}
	} else if err != nil {
		return err
	}
	out, err := h.present.Tags(r.Context(), viewer, []*db.Tag{t})
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out[0])
	return nil
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
	out, err := h.present.Tags(r.Context(), a.Account.ID, []*db.Tag{t})
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out[0])
	return nil
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
	t, err := h.DB.TagByName(r.Context(), name)
	switch {
	case errors.Is(err, db.ErrNotFound):
		t = &db.Tag{Name: db.NormalizeTagName(name), DisplayName: name}
	case err != nil:
		return err
	default:
		if err := h.DB.UnfollowTag(r.Context(), a.Account.ID, t.ID); err != nil {
			return err
		}
	}
	out, err := h.present.Tags(r.Context(), a.Account.ID, []*db.Tag{t})
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out[0])
	return nil
}

// followedTags pages the caller's followed hashtags (limit 100, at most 200).
func (h *Handlers) followedTags(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:follows")
	if !ok {
		return nil
	}
	page, err := pageParams(r, 100, 200)
	if err != nil {
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
	if len(list) > 0 {
		h.setLink(w, r, list[0].ID, list[len(list)-1].ID, len(list))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}
