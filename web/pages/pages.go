// Package pages renders Kontor's own HTML: public profiles and statuses, and
// (as the product grows) settings and admin pages. Server-rendered with
// html/template, readable without JavaScript.
package pages

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Deps are what the pages need.
type Deps struct {
	Config *config.Config
	DB     *db.DB
	Engine *activitypub.Engine
	Logger *slog.Logger
}

// Pages serves HTML.
type Pages struct {
	Deps
	pages map[string]*render.Template
	// workspace serves / to signed-in people (nil: everyone gets the front page).
	workspace *Workspace
}

// New prepares the pages; each template is parsed on its first use
// (render.Template; TestEveryTemplateParses parses them all).
func New(d Deps) *Pages {
	p := &Pages{Deps: d, pages: map[string]*render.Template{}}
	for _, name := range []string{"home", "profile", "status"} {
		p.pages[name] = render.LazyTemplate(func() (*template.Template, error) {
			return template.ParseFS(templateFiles, "templates/layout.html", "templates/post.html", "templates/"+name+".html")
		})
	}
	p.parsePublicPages()
	return p
}

// Routes mounts the HTML pages.
func (p *Pages) Routes(r chi.Router) {
	r.Get("/", p.home)
	r.Get("/@{username}", p.profileByName)
	p.publicRoutes(r)
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, name string, data map[string]any) {
	data["Instance"] = p.Config.InstanceTitle
	var buf bytes.Buffer
	if err := p.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		p.Logger.Error("render page", "page", name, "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	w.Header().Set("Content-Type", render.HTMLType)
	w.Header().Set("Content-Security-Policy", p.contentSecurityPolicy(data))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Write(buf.Bytes())
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	if p.workspace != nil && p.workspace.serveHome(w, r) {
		return
	}
	texts, err := p.DB.InstanceTexts(r.Context())
	if err != nil {
		p.Logger.Error("home page", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	p.render(w, r, "home", map[string]any{"Description": texts.Description})
}

func (p *Pages) profileByName(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "username")
	if base, format, ok := feedFormat(name); ok {
		p.accountFeed(w, r, base, format)
		return
	}
	if strings.Contains(name, "@") || activitypub.ValidateUsername(name) != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	a, err := p.DB.LocalAccount(r.Context(), name)
	switch {
	case errors.Is(err, db.ErrNotFound):
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	case err != nil:
		p.Logger.Error("profile", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	case a.Suspended():
		render.Error(w, r, http.StatusGone, "This account is suspended")
		return
	}
	if render.WantsActivity(r) {
		http.Redirect(w, r, a.URI, http.StatusFound)
		return
	}
	p.Profile(w, r, a)
}

type fieldView struct {
	Name       string
	Value      template.HTML
	Verified   bool
	VerifiedAt string // RFC 3339, for <time datetime>
	VerifiedOn string // the date, for people
}

// Profile renders the public profile page of an account.
func (p *Pages) Profile(w http.ResponseWriter, r *http.Request, a *db.Account) {
	fields := make([]fieldView, 0, len(a.Fields))
	for _, f := range a.Fields {
		// Field values and notes are sanitized when stored.
		fv := fieldView{Name: f.Name, Value: template.HTML(f.Value), Verified: f.VerifiedAt != nil}
		if f.VerifiedAt != nil {
			fv.VerifiedAt, fv.VerifiedOn = f.VerifiedAt.UTC().Format(time.RFC3339), f.VerifiedAt.UTC().Format("2 Jan 2006")
		}
		fields = append(fields, fv)
	}
	page, ok := pageParam(w, r)
	if !ok {
		return
	}
	data := map[string]any{
		"Account": a,
		"Handle":  a.Username + "@" + p.Engine.URLs().AccountDomain(),
		"Note":    template.HTML(a.Note),
		"Fields":  fields,
	}
	if err := p.addProfileDetails(r.Context(), a, page, data); err != nil {
		p.Logger.Error("profile posts", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	p.render(w, r, "profile", data)
}
