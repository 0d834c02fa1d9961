package pages

import (
	"context"
	"errors"
	"html/template"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// statusView is a status as the HTML pages show it.
type statusView struct {
	ID          string
	URL         string
	Author      *db.Account
	Handle      string
	Content     template.HTML
	SpoilerText string
	Published   string // RFC 3339
	PublishedOn string
	Edited      bool
	BoostedBy   *db.Account // set on a boost: the original is shown
	Media       []mediaView
	Card        *cardView
	publicDetails
}

type mediaView struct {
	URL, PreviewURL, Description, Kind, ContentType string
}

// statusViews renders statuses for anonymous visitors: the pages only ever
// show what anonymous may see (the visibility rule decided that already).
func (p *Pages) statusViews(ctx context.Context, list []*db.Status) ([]statusView, error) {
	var ids, reblogIDs []int64
	for _, s := range list {
		if s.ReblogOfID != nil {
			reblogIDs = append(reblogIDs, *s.ReblogOfID)
		}
	}
	originals, err := p.DB.VisibleStatusesByIDs(ctx, reblogIDs, db.Anonymous)
	if err != nil {
		return nil, err
	}
	shown := make([]*db.Status, 0, len(list))
	boosters := map[int64]*db.Account{}
	for _, s := range list {
		if s.ReblogOfID != nil {
			orig := originals[*s.ReblogOfID]
			if orig == nil {
				continue
			}
			boosters[orig.ID] = s.Account
			s = orig
		}
		shown = append(shown, s)
		ids = append(ids, s.ID)
	}
	media, err := p.DB.MediaForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	cards, err := p.cardViews(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]statusView, 0, len(shown))
	for _, s := range shown {
		v := statusView{ID: db.FormatID(s.ID), URL: s.URL, Author: s.Account, Content: template.HTML(s.Content), // sanitized when stored
			SpoilerText: s.SpoilerText, Published: s.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
			PublishedOn: s.CreatedAt.UTC().Format("2 Jan 2006 15:04"), Edited: s.EditedAt != nil, BoostedBy: boosters[s.ID]}
		if s.Account != nil {
			v.Handle = s.Account.Username + "@" + s.Account.Domain
			if s.Account.Local() {
				v.Handle = s.Account.Username + "@" + p.Engine.URLs().AccountDomain()
			}
		}
		if v.URL == "" {
			v.URL = s.URI
		}
		for _, m := range media[s.ID] {
			v.Media = append(v.Media, mediaView{URL: p.Engine.MediaURL(m), PreviewURL: p.Engine.MediaPreviewURL(m), Description: m.Description, Kind: m.Kind, ContentType: m.ContentType})
		}
		v.Card = cards[s.ID]
		out = append(out, v)
	}
	if err := p.addPublicDetails(ctx, shown, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Status renders the public page of a local status (GET /@user/ID in a
// browser): the post and its public replies. Anything anonymous may not
// see is 404; a deleted post is 410.
func (p *Pages) Status(w http.ResponseWriter, r *http.Request, a *db.Account) {
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	uri := p.Engine.URLs().Status(a.Username, id)
	s, err := p.DB.StatusByURIFor(r.Context(), uri, db.Anonymous)
	if errors.Is(err, db.ErrNotFound) || err == nil && (s.AccountID != a.ID || s.ReblogOfID != nil) {
		if gone, _ := p.DB.IsTombstoned(r.Context(), uri); gone {
			render.Error(w, r, http.StatusGone, "This post was deleted")
			return
		}
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	if err != nil {
		p.Logger.Error("status page", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	replies, err := p.DB.StatusReplies(r.Context(), s.ID, db.Anonymous, 60)
	if err != nil {
		p.Logger.Error("status page replies", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	views, err := p.statusViews(r.Context(), append([]*db.Status{s}, replies...))
	if err != nil || len(views) == 0 {
		p.Logger.Error("status page render", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	w.Header().Add("Vary", "Accept")
	p.render(w, r, "status", map[string]any{"Account": a, "Status": views[0], "Replies": views[1:], "URI": s.URI,
		"Meta": p.statusMeta(views[0])})
}
