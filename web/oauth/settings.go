package oauth

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
)

// The signed-in person's security settings (issue 11 section 5):
//
//	GET  /settings/sessions                 the browsers signed in, with a button to end each
//	POST /settings/sessions/{id}/end
//	GET  /settings/apps                     the apps holding tokens, with a button to revoke each
//	POST /settings/apps/{app_id}/revoke
//	GET  /settings/password                 change the password (current + new)
//	POST /settings/password
//	GET  /settings/2fa                      two-factor authentication (settings_2fa.go)
//
// They live here, next to the sessions and tokens they end, and use the
// sign-in pages' layout and CSRF scheme. Ending something deletes or
// revokes it in the database, which every request consults: the next
// request with it is refused.

var settingsFuncs = template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
}

func (h *Handlers) settingsRoutes(r chi.Router) {
	r.Get("/settings/sessions", h.sessionsPage)
	r.Post("/settings/sessions/{id}/end", h.endSession)
	r.Get("/settings/apps", h.appsPage)
	r.Post("/settings/apps/{app_id}/revoke", h.revokeApp)
	r.Get("/settings/password", h.passwordPage)
	r.Post("/settings/password", h.changePassword)
	h.twoFactorRoutes(r)
}

// settingsUser returns the signed-in user and session; visitors are sent
// to sign in and come back to page.
func (h *Handlers) settingsUser(w http.ResponseWriter, r *http.Request, page string) (*db.User, *db.Session, bool) {
	u, s, err := h.signedInSession(r)
	if err != nil {
		h.internalError(w, r, "settings", err)
		return nil, nil, false
	}
	if u == nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, signInURL(page), http.StatusSeeOther)
		return nil, nil, false
	}
	return u, s, true
}

// settingsForm checks a settings form's CSRF token and returns its user.
func (h *Handlers) settingsForm(w http.ResponseWriter, r *http.Request, page string) (*db.User, *db.Session, bool) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return nil, nil, false
	}
	return h.settingsUser(w, r, page)
}

// settingsPage renders a settings page for u.
func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request, status int, name string, u *db.User, data map[string]any) {
	data["CSRF"] = h.csrfToken(w, r)
	data["Handle"] = "@" + u.Account.Username
	data["Page"] = name
	data["Wide"] = true // room for the tables
	data["HasPassword"] = u.PasswordHash != ""
	h.page(w, r, status, name, data)
}

// sessionView is a session as the sessions page shows it.
type sessionView struct {
	db.Session
	Current bool
}

func (h *Handlers) sessionsPage(w http.ResponseWriter, r *http.Request) {
	u, cur, ok := h.settingsUser(w, r, "/settings/sessions")
	if !ok {
		return
	}
	list, err := h.DB.UserSessions(r.Context(), u.ID)
	if err != nil {
		h.internalError(w, r, "settings sessions", err)
		return
	}
	views := make([]sessionView, len(list))
	for i, s := range list {
		views[i] = sessionView{Session: s, Current: s.IDHash == cur.IDHash}
	}
	h.settingsPage(w, r, http.StatusOK, pageSessions, u, map[string]any{"Sessions": views, "Notice": r.URL.Query().Get("done")})
}

// endSession is POST /settings/sessions/{id}/end: ending the current
// session signs this browser out.
func (h *Handlers) endSession(w http.ResponseWriter, r *http.Request) {
	u, cur, ok := h.settingsForm(w, r, "/settings/sessions")
	if !ok {
		return
	}
	id := chi.URLParam(r, "id")
	err := h.DB.DeleteUserSession(r.Context(), u.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "No such session", "This session has already ended.")
		return
	} else if err != nil {
		h.internalError(w, r, "end session", err)
		return
	}
	if id == cur.IDHash {
		h.setCookie(w, sessionCookie, "", -1)
		http.Redirect(w, r, "/auth/sign_in", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/settings/sessions?done=ended", http.StatusSeeOther)
}

func (h *Handlers) appsPage(w http.ResponseWriter, r *http.Request) {
	u, _, ok := h.settingsUser(w, r, "/settings/apps")
	if !ok {
		return
	}
	apps, err := h.DB.AuthorizedApps(r.Context(), u.ID)
	if err != nil {
		h.internalError(w, r, "settings apps", err)
		return
	}
	h.settingsPage(w, r, http.StatusOK, pageApps, u, map[string]any{"Apps": apps, "Notice": r.URL.Query().Get("done")})
}

// revokeApp is POST /settings/apps/{app_id}/revoke: every token the app
// holds of the person is revoked; its streaming connections end.
func (h *Handlers) revokeApp(w http.ResponseWriter, r *http.Request) {
	u, _, ok := h.settingsForm(w, r, "/settings/apps")
	if !ok {
		return
	}
	err := db.ErrNotFound
	if appID, perr := strconv.ParseInt(chi.URLParam(r, "app_id"), 10, 64); perr == nil {
		err = h.DB.RevokeUserApp(r.Context(), u.ID, appID)
	}
	if errors.Is(err, db.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "No such app", "This app has no access to your account.")
		return
	} else if err != nil {
		h.internalError(w, r, "revoke app", err)
		return
	}
	h.TokensRevoked()
	http.Redirect(w, r, "/settings/apps?done=revoked", http.StatusSeeOther)
}
