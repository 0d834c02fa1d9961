package pages

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/brands"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/oauth"
	"github.com/kontor-social/kontor/web/render"
	"github.com/kontor-social/kontor/web/static"
)

// Workspace is where a signed-in person works: the home timeline with the
// compose form at /, notifications, conversations and the other pages of
// the navigation bar. Signed in with the session of the sign-in page
// (web/oauth); every form carries its CSRF token. Pages read through the
// same db queries and entity.Presenter as the API and change state only
// through the engine (and package brands), as the API does.
//
// The pages work without JavaScript; web/static/workspace.js adds posting
// without a reload, live updates from the streaming API and keyboard
// shortcuts. The streaming API takes bearer tokens, so each page carries
// the session's read-only streaming token (oauth.Handlers.StreamToken).
type Workspace struct {
	p       *Pages
	auth    *oauth.Handlers
	present *entity.Presenter
	brands  *brands.Service
	// Upload stores a file of the compose form with its alt text as the
	// API's media upload does (nil: files are refused).
	Upload func(ctx context.Context, accountID int64, fh *multipart.FileHeader, description string) (*db.MediaAttachment, error)
	// UpdateProfile is the API's profile editor for the user's own account
	// (nil: the settings page cannot save).
	UpdateProfile func(r *http.Request, u *db.User) error
	// Search is the API's search with remote resolution (nil: none).
	Search func(ctx context.Context, viewer int64, q string) ([]entity.Account, []entity.Status, []entity.Tag, error)
	// Admin is what the administration pages borrow from the API (set by
	// the wiring, web/server.go).
	Admin AdminAPI
	pages map[string]*render.Template
}

// workspaceCSP allows our own script and stylesheet files only: no inline
// script, no inline style; fetches and event streams to this origin.
const workspaceCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src * data: blob:; media-src *; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Workspace returns the signed-in pages and makes / show the home timeline
// to signed-in people.
func (p *Pages) Workspace(auth *oauth.Handlers, present *entity.Presenter, svc *brands.Service) *Workspace {
	ws := &Workspace{p: p, auth: auth, present: present, brands: svc, pages: map[string]*render.Template{}}
	for _, name := range []string{"timeline", "notifications", "conversations", "lists", "account", "search", "settings_profile"} {
		ws.pages[name] = render.LazyTemplate(func() (*template.Template, error) {
			return template.New(name).Funcs(workspaceFuncs).ParseFS(templateFiles,
				"templates/app.html", "templates/ws_post.html", "templates/compose.html", "templates/"+name+".html")
		})
	}
	ws.parseAdminPages()
	p.workspace = ws
	return ws
}

// Routes mounts the pages and their forms (/ itself is Pages.home's).
func (ws *Workspace) Routes(r chi.Router) {
	r.Post("/compose", ws.compose)
	r.Get("/statuses/{id}", ws.status)
	r.Post("/statuses/{id}/{action}", ws.statusAction)
	r.Post("/polls/{id}/votes", ws.vote)
	r.Get("/notifications", ws.notifications)
	r.Get("/notifications/{id}", ws.notification)
	r.Post("/follow_requests/{id}/authorize", ws.answerFollowRequest(true))
	r.Post("/follow_requests/{id}/reject", ws.answerFollowRequest(false))
	r.Get("/conversations", ws.conversations)
	r.Get("/conversations/{id}", ws.conversation)
	r.Get("/local", ws.timeline(localTimeline))
	r.Get("/federated", ws.timeline(federatedTimeline))
	r.Get("/bookmarks", ws.timeline(bookmarksTimeline))
	r.Get("/favourites", ws.timeline(favouritesTimeline))
	r.Get("/lists", ws.lists)
	r.Get("/lists/{id}", ws.list)
	r.Get("/accounts/{id}", ws.account)
	r.Post("/accounts/{id}/{action}", ws.accountAction)
	r.Get("/search", ws.search)
	r.Get("/authorize_interaction", ws.authorizeInteraction)
	ws.adminRoutes(r)
	r.Get("/admin/settings", ws.adminSettings)
	r.Post("/admin/settings", ws.saveAdminSettings)
	r.Get("/settings/profile", ws.settingsProfile)
	r.Post("/settings/profile", ws.saveProfile)
}

// navLink is an entry of the navigation bar.
type navLink struct{ URL, Label string }

// viewer is the signed-in person a page is for, and what every page shows
// of them (the navigation bar).
type viewer struct {
	User        *db.User
	Account     *db.Account
	CSRF        string
	CSRFField   string
	StreamToken string
	Unread      int
	CSS, JS     string
	AdminLinks  []navLink
}

// viewer returns the signed-in person; visitors are sent to sign in.
func (ws *Workspace) viewer(w http.ResponseWriter, r *http.Request) (*viewer, bool) {
	u, err := ws.auth.SessionUser(r)
	if err != nil {
		ws.fail(w, r, err)
		return nil, false
	}
	if u == nil || u.Account == nil {
		back := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			back = "/"
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, oauth.SignInURL(back), http.StatusSeeOther)
		return nil, false
	}
	return ws.viewerOf(w, r, u)
}

// formViewer is viewer for a form's POST: the CSRF token must match first.
func (ws *Workspace) formViewer(w http.ResponseWriter, r *http.Request) (*viewer, bool) {
	if !ws.auth.CheckCSRF(r) {
		render.Error(w, r, http.StatusForbidden, "This form has expired or did not come from this site. Reload the page and try again.")
		return nil, false
	}
	return ws.viewer(w, r)
}

// viewerOf fills in the navigation bar's data for u.
func (ws *Workspace) viewerOf(w http.ResponseWriter, r *http.Request, u *db.User) (*viewer, bool) {
	v := &viewer{User: u, Account: u.Account, CSRF: ws.auth.CSRFToken(w, r), CSRFField: oauth.CSRFField,
		CSS: static.URL("workspace.css"), JS: static.URL("workspace.js")}
	if isStaff(u) {
		v.AdminLinks = administrationLink
	}
	var err error
	if v.StreamToken, err = ws.auth.StreamToken(r, u); err != nil {
		ws.fail(w, r, err)
		return nil, false
	}
	if v.Unread, err = ws.unread(r.Context(), u.AccountID); err != nil {
		ws.fail(w, r, err)
		return nil, false
	}
	return v, true
}

// unreadCap is where the unread count stops counting ("99+").
const unreadCap = 99

// unread counts the notifications after the notifications marker (the
// reading position the API's markers share with apps).
func (ws *Workspace) unread(ctx context.Context, accountID int64) (int, error) {
	m, err := ws.p.DB.Markers(ctx, accountID, []string{"notifications"})
	if err != nil {
		return 0, err
	}
	var after int64
	if mk := m["notifications"]; mk != nil {
		after = mk.LastReadID
	}
	return ws.p.DB.CountNotificationsAfter(ctx, accountID, db.NotificationFilter{}, after, unreadCap)
}

// render writes a page of the workspace.
func (ws *Workspace) render(w http.ResponseWriter, r *http.Request, status int, name string, v *viewer, data map[string]any) {
	data["Instance"] = ws.p.Config.InstanceTitle
	data["V"] = v
	var buf bytes.Buffer
	if err := ws.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		ws.fail(w, r, err)
		return
	}
	ws.write(w, status, buf.Bytes())
}

// write sends HTML with the workspace's headers.
func (ws *Workspace) write(w http.ResponseWriter, status int, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", render.HTMLType)
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Security-Policy", workspaceCSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(body)
}

// fragment renders one template of a page (for the script, which inserts it).
func (ws *Workspace) fragment(w http.ResponseWriter, r *http.Request, status int, page, tmpl string, data any) {
	var buf bytes.Buffer
	if err := ws.pages[page].ExecuteTemplate(&buf, tmpl, data); err != nil {
		ws.fail(w, r, err)
		return
	}
	ws.write(w, status, buf.Bytes())
}

// wantsFragment tells requests of the script (which wants the piece of page
// to insert) from a browser's form posts (which get a redirect).
func wantsFragment(r *http.Request) bool { return r.Header.Get("X-Kontor-Fragment") != "" }

func (ws *Workspace) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	ws.p.Logger.Error("workspace", "path", r.URL.Path, "err", err)
	render.Error(w, r, http.StatusInternalServerError, "Internal server error")
}

// userMessage is what a page says about a refused action, and its status.
func userMessage(err error) (string, int, bool) {
	var in *activitypub.InputError
	switch {
	case errors.As(err, &in):
		if in.Field == "" {
			return in.Msg, http.StatusUnprocessableEntity, true
		}
		return in.Field + " " + in.Msg, http.StatusUnprocessableEntity, true
	case errors.Is(err, db.ErrNotFound):
		return "That no longer exists, or you may not see it.", http.StatusNotFound, true
	case errors.Is(err, activitypub.ErrForbidden):
		return "You may not do this.", http.StatusForbidden, true
	}
	var f *brands.Forbidden
	if errors.As(err, &f) {
		return f.Error(), http.StatusForbidden, true
	}
	var se *render.StatusError
	if errors.As(err, &se) && se.Status < 500 {
		return se.Msg, se.Status, true
	}
	return "", 0, false
}

// readPage reads the "Load more" cursor (max_id) of a page.
func readPage(r *http.Request) db.Page {
	max, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
	return db.Page{MaxID: max, Limit: 20}
}

// moreURL is the "Load more" link after a page of items, "" at the end.
func moreURL(path string, n int, lastID int64) string {
	if n < 20 || lastID == 0 {
		return ""
	}
	return path + "?max_id=" + db.FormatID(lastID)
}

// workspaceFuncs are the template functions of the workspace pages.
var workspaceFuncs = template.FuncMap{
	// Content is HTML the engine rendered (local) or the one sanitizer
	// cleaned when it was stored (remote).
	"html":       func(s string) template.HTML { return template.HTML(s) },
	"relTime":    relTime,
	"emojiHTML":  emojiHTML, // content and names with their custom emoji
	"emojiText":  emojiText,
	"absTime":    absTime,
	"profileURL": func(a entity.Account) string { return "/accounts/" + a.ID },
	"add":        func(a, b int) int { return a + b },
	"toggle":     newToggle,
	"button":     newAccountButton,
	"deref":      func(b *bool) bool { return b != nil && *b },
	"timelineTabs": func() []struct{ URL, Label, Nav string } {
		return []struct{ URL, Label, Nav string }{{"/", "Home", "home"}, {"/local", "Local", "local"},
			{"/federated", "Federated", "federated"}, {"/lists", "Lists", "lists"}, {"/bookmarks", "Bookmarks", "bookmarks"},
			{"/favourites", "Favourites", "favourites"}}
	},
}

// relTime is a short age ("5 min", "3 h", "2 Jan") of an entity time.
func relTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h"
	case d < 180*24*time.Hour:
		return t.UTC().Format("2 Jan")
	}
	return t.UTC().Format("2 Jan 2006")
}

// absTime is an entity time for people, on hover.
func absTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// signedInAs is the username the navigation of the other signed-in pages
// (brands, analytics) shows, "" without a user.
func signedInAs(u *db.User) string {
	if u == nil || u.Account == nil {
		return ""
	}
	return u.Account.Username
}
