package pages

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// publicPageNames are the templates of the signed-out pages beyond the
// profile and status pages.
var publicPageNames = []string{"tag", "about"}

func (p *Pages) parsePublicPages() {
	for _, name := range publicPageNames {
		p.pages[name] = render.LazyTemplate(func() (*template.Template, error) {
			return template.ParseFS(templateFiles, "templates/layout.html", "templates/post.html", "templates/"+name+".html")
		})
	}
}

// publicRoutes mounts the signed-out pages: hashtags, about, and the
// "follow from your server" step of profiles. Profile feeds are served by
// profileByName (/@user.rss is the same route as /@user).
func (p *Pages) publicRoutes(r chi.Router) {
	r.Get("/@{username}/remote_follow", p.remoteFollow)
	r.Get("/tags/{name}", p.tagPage)
	r.Get("/about", p.about)
}

// profilePageSize is how many posts a profile or hashtag page shows.
const profilePageSize = 20

// pageParam reads ?max_id= (older than) of a paged public page; a bad one
// is answered with 400.
func pageParam(w http.ResponseWriter, r *http.Request) (db.Page, bool) {
	page := db.Page{Limit: profilePageSize}
	if s := r.URL.Query().Get("max_id"); s != "" {
		id, ok := db.ParseID(s)
		if !ok {
			render.Error(w, r, http.StatusBadRequest, "max_id must be a post ID")
			return page, false
		}
		page.MaxID = id
	}
	return page, true
}

// olderLink is the link to the page after list (the cursor is the last
// listed row, a boost's own ID included), or "" at the end.
func olderLink(path string, list []*db.Status, limit int) string {
	if len(list) < limit || len(list) == 0 {
		return ""
	}
	return path + "?max_id=" + db.FormatID(list[len(list)-1].ID)
}

// addProfileDetails adds to a profile page's data its images, a page of
// posts, the feed links and the remote-follow form.
func (p *Pages) addProfileDetails(ctx context.Context, a *db.Account, page db.Page, data map[string]any) error {
	list, err := p.DB.AccountStatuses(ctx, a.ID, db.Anonymous, db.AccountStatusesFilter{ExcludeReplies: true}, page)
	if err != nil {
		return err
	}
	posts, err := p.statusViews(ctx, list)
	if err != nil {
		return err
	}
	images, err := p.accountImages(ctx, []*db.Account{a})
	if err != nil {
		return err
	}
	profile := p.Engine.URLs().Profile(a.Username)
	data["Posts"] = posts
	data["AvatarURL"], data["HeaderURL"] = images[a.ID].avatar, images[a.ID].header
	data["ProfileURL"] = profile
	data["RSSURL"], data["AtomURL"] = profile+".rss", profile+".atom"
	data["OlderURL"] = olderLink(profile, list, page.Limit)
	data["RemoteFollowURL"] = profile + "/remote_follow"
	data["RemoteFollowForm"] = true
	return nil
}

// contentSecurityPolicy is the pages' policy. A page with the remote-follow
// form lets it lead to another server (browsers apply form-action to the
// redirect a form's answer makes).
func (p *Pages) contentSecurityPolicy(data map[string]any) string {
	formAction := "'self'"
	if remote, _ := data["RemoteFollowForm"].(bool); remote {
		formAction += " https:"
		if p.Config.Protocol == "http" {
			formAction += " http:"
		}
	}
	return "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
}

// remoteFollow is the "follow from your server" form's target
// (GET /@user/remote_follow?acct=you@server): it sends the visitor to their
// own server's page for following this account.
func (p *Pages) remoteFollow(w http.ResponseWriter, r *http.Request) {
	a, ok := p.publicAccount(w, r, chi.URLParam(r, "username"))
	if !ok {
		return
	}
	acct := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("acct")), "@")
	username, domain, found := strings.Cut(acct, "@")
	if !found || username == "" || domain == "" {
		render.Error(w, r, http.StatusBadRequest, "Enter your handle as you@your.server")
		return
	}
	target, err := p.Engine.Resolver().InteractionURL(r.Context(), username, domain, a.URI)
	if err != nil {
		render.Error(w, r, http.StatusBadRequest, "That is not a handle: enter it as you@your.server")
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// publicAccount loads a local account for a signed-out page, answering
// 404 (unknown), 410 (suspended) or 500 itself.
func (p *Pages) publicAccount(w http.ResponseWriter, r *http.Request, name string) (*db.Account, bool) {
	if strings.Contains(name, "@") || activitypub.ValidateUsername(name) != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	a, err := p.DB.LocalAccount(r.Context(), name)
	switch {
	case errors.Is(err, db.ErrNotFound):
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	case err != nil:
		p.Logger.Error("load account", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return nil, false
	case a.Suspended():
		render.Error(w, r, http.StatusGone, "This account is suspended")
		return nil, false
	}
	return a, true
}
