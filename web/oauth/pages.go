package oauth

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Pages, each rendered inside templates/layout.html.
const (
	pageSignIn  = "sign_in"
	pageConsent = "consent"
	pageOOB     = "oob"
	pageError   = "error"
	pageSignUp  = "sign_up"
	pageNotice  = "notice"
	// pageTwoFactor asks for the code after the password (twofactor.go).
	pageTwoFactor = "two_factor"
	// The forgotten-password pages (password_reset.go).
	pagePasswordNew  = "password_new"
	pagePasswordEdit = "password_edit"
	// pageSSOConfirm: a first single sign-on chooses the handle (oidc_signup.go).
	pageSSOConfirm = "sso_confirm"
)

// Settings pages of the signed-in person (settings*.go), each rendered
// inside templates/layout.html with templates/settings_nav.html.
const (
	pageSessions = "settings_sessions"
	pageApps     = "settings_apps"
	pagePassword = "settings_password"
	page2FA      = "settings_2fa"
)

var settingsPages = []string{pageSessions, pageApps, pagePassword, page2FA}

func parsePages() map[string]*render.Template {
	out := map[string]*render.Template{}
	funcs := template.FuncMap{"scopeText": scopeText}
	for _, name := range []string{pageSignIn, pageConsent, pageOOB, pageError, pageSignUp, pageNotice, pageTwoFactor, pagePasswordNew, pagePasswordEdit, pageSSOConfirm} {
		out[name] = render.LazyTemplate(func() (*template.Template, error) {
			return template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		})
	}
	for _, name := range settingsPages {
		out[name] = render.LazyTemplate(func() (*template.Template, error) {
			return template.New(name).Funcs(funcs).Funcs(settingsFuncs).
				ParseFS(templateFiles, "templates/layout.html", "templates/settings_nav.html", "templates/"+name+".html")
		})
	}
	return out
}

// Names of the form field and cookies of the pages.
const (
	csrfField     = "authenticity_token"
	csrfCookie    = "kontor_csrf"
	sessionCookie = "kontor_session"
	oidcCookie    = "kontor_oidc"
)

// cookieName prefixes names with __Host- on HTTPS: the browser then only
// accepts the cookie from this exact host, secure, for path / (no subdomain
// can plant one).
func (h *Handlers) cookieName(base string) string {
	if h.secureCookies() {
		return "__Host-" + base
	}
	return base
}

func (h *Handlers) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		Secure: h.secureCookies(), HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handlers) cookie(r *http.Request, name string) string {
	c, err := r.Cookie(h.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

// csrfToken returns the page's CSRF token, setting its cookie when the
// browser has none: forms carry the token in a hidden field and a POST is
// accepted only when field and cookie agree (double submit; the cookie is
// HttpOnly, SameSite=Lax and, on HTTPS, __Host- so no other site can read
// or plant it).
func (h *Handlers) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if t := h.cookie(r, csrfCookie); len(t) >= 32 {
		return t
	}
	t := db.NewSecret()
	h.setCookie(w, csrfCookie, t, 0)
	return t
}

// checkCSRF verifies a POST from one of the pages: the token and, when the
// browser sends one, the Origin.
func (h *Handlers) checkCSRF(r *http.Request) bool {
	// Browsers send Origin on POSTs; "null" comes from privacy-sensitive
	// contexts and is left to the token check.
	if o := r.Header.Get("Origin"); o != "" && o != "null" && o != h.baseURL() {
		return false
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	cookie, field := h.cookie(r, csrfCookie), r.PostFormValue(csrfField)
	return len(cookie) >= 32 && subtle.ConstantTimeCompare([]byte(cookie), []byte(field)) == 1
}

var langTag = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$`)

// pageLang is the lang attribute of a page (the lang query parameter Elk
// sends); only English text exists so far.
func pageLang(r *http.Request) string {
	if l := r.FormValue("lang"); langTag.MatchString(l) {
		return l
	}
	return "en"
}

// page renders a page with status. formAction lists extra CSP form-action
// sources: browsers apply form-action to the redirect that follows a form
// POST, so the consent page must allow the app's redirect URI.
func (h *Handlers) page(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any, formAction ...string) {
	data["Instance"] = h.Config.InstanceTitle
	if _, ok := data["Lang"]; !ok {
		data["Lang"] = pageLang(r)
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.Logger.Error("oauth: render page", "page", name, "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", render.HTMLType)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'self'"+
		strings.Join(append([]string{""}, formAction...), " ")+"; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer browsers send
	// "Origin: null" on the pages' own POSTs.
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows an error without redirecting anywhere.
func (h *Handlers) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.page(w, r, status, pageError, map[string]any{"Title": title, "Message": msg})
}

// cspSource is the CSP source expression matching a redirect URI: its
// origin for http(s), its scheme for a custom scheme.
func cspSource(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || uri == OOB {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "http" || scheme == "https" {
		return scheme + "://" + u.Host
	}
	if strings.Trim(scheme, "abcdefghijklmnopqrstuvwxyz0123456789+-.") != "" {
		return ""
	}
	return scheme + ":"
}

// signedIn returns the user of the request's session, or nil (no cookie,
// unknown or expired session, a user who may no longer sign in).
func (h *Handlers) signedIn(r *http.Request) (*db.User, error) {
	u, _, err := h.signedInSession(r)
	return u, err
}

// signedInSession is signedIn with the session itself (the settings pages
// tell the current one apart).
func (h *Handlers) signedInSession(r *http.Request) (*db.User, *db.Session, error) {
	plain := h.cookie(r, sessionCookie)
	if plain == "" {
		return nil, nil, nil
	}
	ctx := r.Context()
	s, err := h.DB.SessionByPlaintext(ctx, plain)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	u, err := h.DB.UserByID(ctx, s.UserID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	if signInRefusal(u) != "" {
		return nil, nil, nil
	}
	if now := h.now(); now.Sub(s.LastSeenAt) > sessionTouchEvery || s.IP != clientIP(r) {
		if err := h.DB.TouchSession(ctx, s.IDHash, now.Add(sessionLifetime), clientIP(r)); err != nil {
			h.Logger.Warn("oauth: touch session", "err", err)
		}
	}
	return u, s, nil
}

// scopeText describes a scope on the consent page.
func scopeText(s string) string {
	switch s {
	case "read":
		return "Read all your account's data"
	case "write":
		return "Change all your account's data: post, follow, edit your profile"
	case "follow":
		return "Change your follows, blocks and mutes"
	case "push":
		return "Receive your push notifications"
	case "profile":
		return "Read only your basic profile (name, handle, avatar)"
	case "admin:read":
		return "Read all data on this server (moderation)"
	case "admin:write":
		return "Take moderation actions on this server"
	}
	kind, what, _ := strings.Cut(s, ":")
	if strings.HasPrefix(s, "admin:") {
		parts := strings.SplitN(s, ":", 3)
		kind, what = "admin "+parts[1], parts[2]
	}
	what = strings.ReplaceAll(what, "_", " ")
	switch kind {
	case "read":
		return "Read your " + what
	case "write":
		return "Change your " + what
	}
	return strings.ToUpper(kind[:1]) + kind[1:] + ": " + what
}
