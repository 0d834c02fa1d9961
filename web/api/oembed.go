package api

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// oEmbed widths: the default and the bounds of ?maxwidth=.
const (
	oembedWidth    = 400
	oembedMinWidth = 200
)

// oembedHTML is the embed: a blockquote of the post (its HTML sanitized
// when stored), readable without any script or frame of ours.
var oembedHTML = template.Must(template.New("oembed").Parse(`<blockquote class="kontor-embed" cite="{{.URL}}" style="max-width:{{.Width}}px;margin:0;padding:12px 16px;border:1px solid #d0d7de;border-radius:8px;background:#fff;color:#1f2328;font-family:system-ui,sans-serif">` +
	`{{if .SpoilerText}}<p><strong>{{.SpoilerText}}</strong></p>{{end}}<div>{{.Content}}</div>` +
	`<p style="margin:8px 0 0;color:#57606a">&mdash; {{.Name}} (@{{.Handle}}) <a href="{{.URL}}">{{.Date}}</a></p></blockquote>`))

// oembed is GET /api/oembed?url= (oEmbed 1.0, JSON): the embed of a local
// public or unlisted post, named by its page URL or its ActivityPub id, as
// Mastodon answers it. Anything anonymous may not see is 404.
func (h *Handlers) oembed(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "json" {
		return apiErr(http.StatusNotImplemented, "Only the json format is supported")
	}
	raw := q.Get("url")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest("url must be the address of a post")
	}
	if !h.Engine.URLs().IsLocal(raw) {
		return errNotFound
	}
	s, err := h.DB.StatusByURLFor(r.Context(), raw, db.Anonymous)
	if errors.Is(err, db.ErrNotFound) || err == nil && (s.Account == nil || !s.Account.Local() || s.Account.Suspended() || s.Visibility > db.Unlisted) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	width := oembedWidth
	if mw, err := strconv.Atoi(q.Get("maxwidth")); err == nil && mw >= oembedMinWidth && mw < width {
		width = mw
	}
	a := s.Account
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	page := s.URL
	if page == "" {
		page = h.Engine.URLs().StatusPage(a.Username, s.ID)
	}
	var embed bytes.Buffer
	err = oembedHTML.Execute(&embed, map[string]any{"URL": page, "Width": width, "SpoilerText": s.SpoilerText,
		"Content": template.HTML(s.Content), "Name": name, "Handle": a.Username + "@" + h.Engine.URLs().AccountDomain(),
		"Date": s.CreatedAt.UTC().Format("2 Jan 2006")})
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]any{
		"type": "rich", "version": "1.0", "title": "New status by " + name,
		"author_name": name, "author_url": h.Engine.URLs().Profile(a.Username),
		"provider_name": h.Engine.URLs().AccountDomain(), "provider_url": h.Engine.URLs().Base() + "/",
		"cache_age": 86400, "html": embed.String(), "width": width, "height": nil,
	})
	return nil
}
