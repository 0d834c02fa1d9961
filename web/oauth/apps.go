package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/middleware"
	"github.com/kontor-social/kontor/web/render"
)

// OOB is the redirect URI of clients that show the code to the user instead
// of receiving it.
const OOB = "urn:ietf:wg:oauth:2.0:oob"

// Application is Mastodon's Application entity (verify_credentials).
type Application struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	VapidKey     string   `json:"vapid_key"`
}

// CredentialApplication is the Application with its client credentials,
// returned once, when the app registers.
type CredentialApplication struct {
	Application
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret"`
	ClientSecretExpiresAt int64  `json:"client_secret_expires_at"`
}

func applicationEntity(a *db.App) Application {
	uris := splitRedirectURIs(a.RedirectURIs)
	out := Application{
		ID: db.FormatID(a.ID), Name: a.Name, Scopes: strings.Fields(a.Scopes),
		RedirectURI: strings.Join(uris, "\n"), RedirectURIs: uris,
	}
	if a.Website != "" {
		out.Website = &a.Website
	}
	return out
}

// splitRedirectURIs reads the stored newline-separated list.
func splitRedirectURIs(s string) []string {
	out := []string{}
	for _, u := range strings.Split(s, "\n") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// apiError answers the API way: {"error": msg}.
func apiError(w http.ResponseWriter, status int, msg string) {
	render.JSON(w, status, map[string]string{"error": msg})
}

// bodyError answers a body that could not be read.
func bodyError(w http.ResponseWriter, err error) {
	if errors.Is(err, errTooLarge) {
		apiError(w, http.StatusRequestEntityTooLarge, "Request body too large")
		return
	}
	if errors.Is(err, errNUL) {
		apiError(w, http.StatusUnprocessableEntity, middleware.NULMessage)
		return
	}
	apiError(w, http.StatusBadRequest, err.Error())
}

func validationFailed(w http.ResponseWriter, field, msg string) {
	apiError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: %s %s", field, msg))
}

// createApp is POST /api/v1/apps.
func (h *Handlers) createApp(w http.ResponseWriter, r *http.Request) {
	f, err := readBody(r, true)
	if err != nil {
		bodyError(w, err)
		return
	}
	name := strings.TrimSpace(f.get("client_name"))
	switch {
	case name == "":
		validationFailed(w, "client_name", "can't be blank")
		return
	case utf8.RuneCountInString(name) > 60:
		validationFailed(w, "client_name", "is too long (maximum is 60 characters)")
		return
	}
	var uris []string
	for _, v := range f["redirect_uris"] {
		for _, u := range strings.Split(v, "\n") {
			if u = strings.TrimSpace(u); u != "" && !slices.Contains(uris, u) {
				uris = append(uris, u)
			}
		}
	}
	if len(uris) == 0 {
		validationFailed(w, "redirect_uris", "can't be blank")
		return
	}
	for _, u := range uris {
		if err := validRedirectURI(u); err != nil {
			validationFailed(w, "redirect_uris", err.Error())
			return
		}
	}
	asked, err := scopes.Parse(strings.Join(f["scopes"], " "))
	if err != nil {
		validationFailed(w, "scopes", "are invalid: "+err.Error())
		return
	}
	website := strings.TrimSpace(f.get("website"))
	if website != "" {
		if u, err := url.Parse(website); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(website) > 2000 {
			validationFailed(w, "website", "is not a valid http(s) URL")
			return
		}
	}
	app, err := h.DB.CreateApp(r.Context(), db.NewApp{
		Name: name, Website: website, RedirectURIs: strings.Join(uris, "\n"), Scopes: strings.Join(asked, " "),
	})
	if err != nil {
		h.Logger.Error("oauth: create app", "err", err)
		apiError(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	out := CredentialApplication{
		Application: applicationEntity(app.App), ClientID: app.ClientID, ClientSecret: app.ClientSecret,
	}
	out.VapidKey = h.vapidKey(r.Context())
	render.JSON(w, http.StatusOK, out)
}

// validRedirectURI accepts absolute URIs without fragments, custom schemes
// of native apps (oauth2redirect://…) and the out-of-band URN; it refuses
// schemes that run code in a browser.
func validRedirectURI(s string) error {
	if s == OOB {
		return nil
	}
	if len(s) > 2000 {
		return errors.New("is too long")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return fmt.Errorf("%q must not contain spaces", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a valid URI", s)
	}
	switch strings.ToLower(u.Scheme) {
	case "":
		return fmt.Errorf("%q must be an absolute URI", s)
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return fmt.Errorf("%q uses a forbidden scheme", s)
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("%q has no host", s)
		}
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("%q must not contain a fragment", s)
	}
	return nil
}

// redirectURIAllowed reports whether uri is one the app registered: exactly,
// or a loopback IP address with another port (RFC 8252 section 7.3: native
// apps listen on whatever port is free).
func redirectURIAllowed(app *db.App, uri string) bool {
	given, err := url.Parse(uri)
	for _, reg := range splitRedirectURIs(app.RedirectURIs) {
		if reg == uri {
			return true
		}
		if err != nil || given.Scheme != "http" {
			continue
		}
		r, err := url.Parse(reg)
		if err != nil || r.Scheme != "http" {
			continue
		}
		if ip := net.ParseIP(r.Hostname()); ip != nil && ip.IsLoopback() && r.Hostname() == given.Hostname() &&
			r.Path == given.Path && r.RawQuery == given.RawQuery && given.User == nil {
			return true
		}
	}
	return false
}

// verifyApp is GET /api/v1/apps/verify_credentials: the app of the token
// (an app token or a user token).
func (h *Handlers) verifyApp(w http.ResponseWriter, r *http.Request) {
	c, err := h.resolveToken(r.Context(), r)
	if errors.Is(err, errInvalidToken) {
		apiError(w, http.StatusUnauthorized, "The access token is invalid")
		return
	} else if err != nil {
		h.Logger.Error("oauth: verify app", "err", err)
		apiError(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	if c.Token.AppID == nil {
		// Tokens from `kontor admin token create` belong to no app.
		apiError(w, http.StatusNotFound, "Record not found")
		return
	}
	app, err := h.DB.AppByID(r.Context(), *c.Token.AppID)
	if errors.Is(err, db.ErrNotFound) {
		apiError(w, http.StatusNotFound, "Record not found")
		return
	} else if err != nil {
		h.Logger.Error("oauth: verify app", "err", err)
		apiError(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	entity := applicationEntity(app)
	entity.VapidKey = h.vapidKey(r.Context())
	render.JSON(w, http.StatusOK, entity)
}

// vapidKey is the instance's Web Push public key (the apps' deprecated
// vapid_key), "" when it cannot be read.
func (h *Handlers) vapidKey(ctx context.Context) string {
	k, err := h.DB.VAPIDKeys(ctx)
	if err != nil {
		h.Logger.Warn("oauth: vapid keys", "err", err)
	}
	return k.Public
}
