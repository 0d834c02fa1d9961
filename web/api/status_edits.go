package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// Editing statuses: PUT /api/v1/statuses/:id (text, attachments and their
// descriptions), and what an edit leaves behind: the history of versions and
// the source to edit from.

// mediaDescriptionLimit is the longest attachment description.
const mediaDescriptionLimit = 1500

// statusSource is GET /api/v1/statuses/:id/source: what to edit.
func (h *Handlers) statusSource(w http.ResponseWriter, r *http.Request) error {
	_, s, ok, err := h.requireStatus(w, r, "read:statuses")
	if !ok {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]string{"id": db.FormatID(s.ID), "text": sourceText(s), "spoiler_text": s.SpoilerText})
	return nil
}

// sourceText is what the author wrote: the stored source of local statuses,
// the plain text of remote ones.
func sourceText(s *db.Status) string {
	if s.Local || s.Text != "" {
		return s.Text
	}
	return content.PlainText(s.Content)
}

// statusHistory is GET /api/v1/statuses/:id/history: every version, the
// original first; a status never edited has one, the current one.
func (h *Handlers) statusHistory(w http.ResponseWriter, r *http.Request) error {
	_, s, ok, err := h.optionalStatus(w, r, "read:statuses")
	if !ok {
		return err
	}
	out, err := h.present.StatusHistory(r.Context(), s)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// editStatus is PUT /api/v1/statuses/:id. Fields not sent keep their value;
// media_attributes[] change the description and focus of attachments.
func (h *Handlers) editStatus(w http.ResponseWriter, r *http.Request) error {
	a, s, ok, err := h.requireOwnStatus(w, r)
	if !ok {
		return err
	}
	if s.ReblogOfID != nil {
		return errNotFound
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	post, err := h.readEdit(ctx, s, p)
	if err != nil {
		return err
	}
	attrs, err := h.readMediaAttributes(ctx, s, p, post.MediaIDs)
	if err != nil {
		return err
	}
	var before []*db.MediaAttachment
	undo := func() {
		for _, m := range before {
			if err := h.DB.RestoreMediaAttributes(context.WithoutCancel(ctx), m); err != nil {
				h.Log.Warn("restore media attributes", "media", m.ID, "err", err)
			}
		}
	}
	for id, attr := range attrs {
		old, err := h.DB.SetStatusMediaAttributes(ctx, a.Account.ID, id, attr)
		if err != nil {
			undo()
			return err
		}
		before = append(before, old)
	}
	edited, err := h.Engine.EditStatus(ctx, a.Account, s.ID, post)
	if err != nil {
		undo()
		return err
	}
	return h.renderStatus(w, r, a.Account.ID, edited)
}

// readEdit reads an edit: what is not sent stays as it is (as Mastodon's
// UpdateStatusService does).
func (h *Handlers) readEdit(ctx context.Context, s *db.Status, p *Params) (activitypub.PostParams, error) {
	post := activitypub.PostParams{Text: s.Text, SpoilerText: s.SpoilerText, Sensitive: s.Sensitive, Language: s.Language}
	if p.Has("status") {
		post.Text = p.String("status")
	}
	if p.Has("spoiler_text") {
		post.SpoilerText = p.String("spoiler_text")
	}
	if p.Has("sensitive") || p.Has("spoiler_text") {
		v, err := p.BoolDefault("sensitive", false)
		if err != nil {
			return post, err
		}
		post.Sensitive = v // the engine adds "sensitive when there is a spoiler"
	}
	if lang := strings.TrimSpace(p.String("language")); lang != "" {
		post.Language = lang
	}
	if p.Has("media_ids") {
		ids, err := p.IDs("media_ids")
		if err != nil {
			return post, err
		}
		post.MediaIDs = append([]int64{}, ids...) // non-nil: the new set, possibly empty
	}
	poll, err := readPoll(p)
	if err != nil {
		return post, err
	}
	if poll != nil {
		// Clients send the poll back unchanged when editing a status that
		// has one; only a different poll is a change the engine refuses.
		same := false
		if s.PollID != nil {
			if cur, err := h.DB.PollByID(ctx, *s.PollID); err == nil && cur.Multiple == poll.Multiple && len(cur.Options) == len(poll.Options) {
				same = true
				for i, o := range cur.Options {
					same = same && o.Title == poll.Options[i]
				}
			}
		}
		if !same {
			post.Poll = poll
		}
	}
	return post, nil
}

// readMediaAttributes reads media_attributes[] ({id, description, focus})
// for attachments of the edited status (mediaIDs when the edit sets them).
func (h *Handlers) readMediaAttributes(ctx context.Context, s *db.Status, p *Params, mediaIDs []int64) (map[int64]db.MediaAttributes, error) {
	list := p.Indexed("media_attributes")
	if len(list) == 0 {
		return nil, nil
	}
	if mediaIDs == nil {
		current, err := h.DB.StatusMedia(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range current {
			mediaIDs = append(mediaIDs, m.ID)
		}
	}
	out := map[int64]db.MediaAttributes{}
	for _, item := range list {
		id, err := strconv.ParseInt(strings.TrimSpace(item["id"]), 10, 64)
		if err != nil || !slices.Contains(mediaIDs, id) {
			return nil, fieldErr("media_attributes", "names an attachment that is not part of the status")
		}
		m, err := h.DB.MediaByID(ctx, id)
		if err != nil || m.AccountID != s.AccountID {
			return nil, fieldErr("media_attributes", "names an attachment that is not part of the status")
		}
		attr := db.MediaAttributes{Description: m.Description}
		if d, ok := item["description"]; ok {
			if utf8.RuneCountInString(d) > mediaDescriptionLimit {
				return nil, fieldErr("description", "is too long (maximum is "+strconv.Itoa(mediaDescriptionLimit)+" characters)")
			}
			attr.Description = d
		}
		if f, ok := item["focus"]; ok && strings.TrimSpace(f) != "" {
			focus, err := parseFocus(f)
			if err != nil {
				return nil, err
			}
			attr.Focus = focus
		}
		out[id] = attr
	}
	return out, nil
}

// parseFocus reads a focal point "x,y" with both in [-1, 1].
func parseFocus(s string) (*db.MediaFocus, error) {
	xs, ys, ok := strings.Cut(s, ",")
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if !ok || errX != nil || errY != nil || x < -1 || x > 1 || y < -1 || y > 1 {
		return nil, fieldErr("focus", "must be two numbers between -1.0 and 1.0, as \"x,y\"")
	}
	return &db.MediaFocus{X: x, Y: y}, nil
}
