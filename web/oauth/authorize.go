package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
)

// authRequest is a checked authorization request (RFC 6749 section 4.1.1
// with PKCE, RFC 7636).
type authRequest struct {
	App         *db.App
	RedirectURI string
	Scopes      []string
	State       string
	Challenge   string
	Method      string // "S256" or "plain" when Challenge is set
	ForceLogin  bool
	Lang        string
}

// authFailure is a refused authorization request. Without a trustworthy
// redirect URI (unknown client, unregistered URI) it is shown as a page;
// otherwise the client gets ?error=Code at its redirect URI.
type authFailure struct {
	onPage bool
	title  string
	code   string // RFC 6749 error code
	msg    string
}

// authorizeParams are the query parameters an authorization request keeps
// across the sign-in page and the consent form.
var authorizeParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "lang"}

var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// parseAuthRequest checks an authorization request; a nil request with a
// nil failure cannot happen.
func (h *Handlers) parseAuthRequest(ctx context.Context, v url.Values) (*authRequest, *authFailure, error) {
	clientID := v.Get("client_id")
	if clientID == "" {
		return nil, &authFailure{onPage: true, title: "Missing client", msg: "The application did not say who it is (client_id is missing)."}, nil
	}
	app, err := h.DB.AppByClientID(ctx, clientID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, &authFailure{onPage: true, title: "Unknown application", msg: "No application with this client_id is registered on this server."}, nil
	} else if err != nil {
		return nil, nil, err
	}
	req := &authRequest{App: app, State: v.Get("state"), ForceLogin: truthy(v.Get("force_login")), Lang: v.Get("lang")}
	req.RedirectURI = v.Get("redirect_uri")
	if req.RedirectURI == "" {
		if uris := splitRedirectURIs(app.RedirectURIs); len(uris) == 1 {
			req.RedirectURI = uris[0]
		}
	}
	if req.RedirectURI == "" || !redirectURIAllowed(app, req.RedirectURI) {
		return nil, &authFailure{onPage: true, title: "Invalid redirect URI",
			msg: "The redirect URI is not one this application registered. Nothing was sent to the application."}, nil
	}
	if rt := v.Get("response_type"); rt != "code" {
		return req, &authFailure{code: "unsupported_response_type", msg: "response_type must be \"code\""}, nil
	}
	asked, err := scopes.Parse(v.Get("scope"))
	if err != nil {
		return req, &authFailure{code: "invalid_scope", msg: err.Error()}, nil
	}
	if !scopes.Subset(asked, strings.Fields(app.Scopes)) {
		return req, &authFailure{code: "invalid_scope", msg: "The requested scope is not one the application registered."}, nil
	}
	req.Scopes = asked
	req.Challenge, req.Method = v.Get("code_challenge"), v.Get("code_challenge_method")
	switch {
	case req.Challenge == "" && req.Method != "":
		return req, &authFailure{code: "invalid_request", msg: "code_challenge_method without code_challenge"}, nil
	case req.Challenge == "":
	case !pkceChallenge.MatchString(req.Challenge):
		return req, &authFailure{code: "invalid_request", msg: "code_challenge must be 43 to 128 characters"}, nil
	case req.Method == "":
		req.Method = "plain" // RFC 7636 section 4.3
	case req.Method != "S256" && req.Method != "plain":
		return req, &authFailure{code: "invalid_request", msg: "Unsupported code_challenge_method; use S256"}, nil
	}
	return req, nil, nil
}

func truthy(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// authorizeURL is the authorize page for the same request (without
// force_login, so coming back after signing in shows the consent).
func authorizeURL(v url.Values) string {
	q := url.Values{}
	for _, k := range authorizeParams {
		if val := v.Get(k); val != "" {
			q.Set(k, val)
		}
	}
	return "/oauth/authorize?" + q.Encode()
}

// withQuery adds parameters to a redirect URI, keeping its own query.
func withQuery(uri string, params url.Values) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// fail answers a refused request: a page, or a redirect carrying the error.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, req *authRequest, f *authFailure) {
	if f.onPage || req == nil {
		h.errorPage(w, r, http.StatusBadRequest, f.title, f.msg)
		return
	}
	if req.RedirectURI == OOB {
		h.errorPage(w, r, http.StatusBadRequest, "Authorization failed", f.code+": "+f.msg)
		return
	}
	q := url.Values{"error": {f.code}, "error_description": {f.msg}}
	if req.State != "" {
		q.Set("state", req.State)
	}
	h.redirect(w, withQuery(req.RedirectURI, q))
}

// redirect sends the browser to an app's redirect URI (any scheme).
func (h *Handlers) redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusFound)
}

// identity is an account the user may authorize an app as.
type identity struct {
	AccountID   string
	Handle      string
	DisplayName string
	Role        string // the user's role in a brand; "" for their own account
}

// identities is the hook of the identity chooser: the accounts a user may
// authorize an application as: their own account first, then the brand
// accounts they are a member of (the token then acts as the brand, with
// the member's role as its ceiling). The code stores the chosen id.
func (h *Handlers) identities(ctx context.Context, u *db.User) ([]identity, error) {
	out := []identity{h.identityOf(u.Account, "")}
	members, accounts, err := h.DB.BrandsOfUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for i, m := range members {
		if a := accounts[i]; a != nil && !a.Suspended() {
			out = append(out, h.identityOf(a, m.Role))
		}
	}
	return out, nil
}

func (h *Handlers) identityOf(a *db.Account, role string) identity {
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	return identity{AccountID: db.FormatID(a.ID), Handle: "@" + a.Username + "@" + h.Config.AccountDomain, DisplayName: name, Role: role}
}

// authorizeForm is GET /oauth/authorize: sign in if needed, then consent.
func (h *Handlers) authorizeForm(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	req, u, ok := h.authorizeRequest(w, r, v)
	if !ok {
		return
	}
	if u == nil || req.ForceLogin {
		http.Redirect(w, r, signInURL(authorizeURL(v)), http.StatusFound)
		return
	}
	h.consent(w, r, req, u, v)
}

// authorizeRequest reads an authorization request from v and the user
// signed in (nil when nobody is); when ok is false it has answered (a
// refused request goes back to the client, or an error page).
func (h *Handlers) authorizeRequest(w http.ResponseWriter, r *http.Request, v url.Values) (req *authRequest, u *db.User, ok bool) {
	req, f, err := h.parseAuthRequest(r.Context(), v)
	if err != nil {
		h.internalError(w, r, "authorize", err)
		return nil, nil, false
	}
	if f != nil {
		h.fail(w, r, req, f)
		return nil, nil, false
	}
	if u, err = h.signedIn(r); err != nil {
		h.internalError(w, r, "authorize", err)
		return nil, nil, false
	}
	return req, u, true
}

// consent renders the consent page.
func (h *Handlers) consent(w http.ResponseWriter, r *http.Request, req *authRequest, u *db.User, v url.Values) {
	ids, err := h.identities(r.Context(), u)
	if err != nil {
		h.internalError(w, r, "authorize", err)
		return
	}
	hidden := map[string]string{
		"response_type": "code", "client_id": req.App.ClientID, "redirect_uri": req.RedirectURI,
		"scope": strings.Join(req.Scopes, " "), "state": req.State,
		"code_challenge": req.Challenge, "code_challenge_method": req.Method, "lang": req.Lang,
	}
	h.page(w, r, http.StatusOK, pageConsent, map[string]any{
		"CSRF":       h.csrfToken(w, r),
		"App":        req.App,
		"Scopes":     req.Scopes,
		"Hidden":     hidden,
		"Identities": ids,
		"User":       ids[0].Handle,
		"ReturnTo":   authorizeURL(v),
		"OOB":        req.RedirectURI == OOB,
	}, cspSource(req.RedirectURI))
}

// authorizeDecision is POST /oauth/authorize: the consent form's Authorize
// or Deny.
func (h *Handlers) authorizeDecision(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	v := r.PostForm
	req, u, ok := h.authorizeRequest(w, r, v)
	if !ok {
		return
	}
	if u == nil {
		http.Redirect(w, r, signInURL(authorizeURL(v)), http.StatusSeeOther)
		return
	}
	switch v.Get("decision") {
	case "deny":
		h.fail(w, r, req, &authFailure{code: "access_denied", msg: "The user denied the request."})
		return
	case "authorize":
	default:
		h.errorPage(w, r, http.StatusBadRequest, "Invalid form", "Choose Authorize or Deny.")
		return
	}
	accountID, err := h.chosenIdentity(r.Context(), u, v.Get("account_id"))
	if err != nil {
		h.internalError(w, r, "authorize", err)
		return
	}
	if accountID == 0 {
		h.errorPage(w, r, http.StatusForbidden, "Not allowed", "You cannot authorize an application as that account.")
		return
	}
	h.issueCode(w, r, req, u, accountID)
}

// chosenIdentity is the account id the consent form chose (the user's own
// or a brand the user belongs to), 0 when it is none of them.
func (h *Handlers) chosenIdentity(ctx context.Context, u *db.User, chosen string) (int64, error) {
	ids, err := h.identities(ctx, u)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if id.AccountID == chosen {
			accountID, _ := db.ParseID(chosen)
			return accountID, nil
		}
	}
	return 0, nil
}

// issueCode stores an authorization code for the account and sends it to
// the client's redirect URI (or shows it, out of band).
func (h *Handlers) issueCode(w http.ResponseWriter, r *http.Request, req *authRequest, u *db.User, accountID int64) {
	code, err := h.DB.CreateAuthorizationCode(r.Context(), &db.AuthorizationCode{
		AppID: req.App.ID, UserID: u.ID, AccountID: accountID, RedirectURI: req.RedirectURI,
		Scopes: strings.Join(req.Scopes, " "), CodeChallenge: req.Challenge, CodeChallengeMethod: req.Method,
		ExpiresAt: h.now().Add(codeLifetime),
	})
	if err != nil {
		h.internalError(w, r, "authorize", err)
		return
	}
	if req.RedirectURI == OOB {
		h.page(w, r, http.StatusOK, pageOOB, map[string]any{"App": req.App, "Code": code})
		return
	}
	q := url.Values{"code": {code}}
	if req.State != "" {
		q.Set("state", req.State)
	}
	h.redirect(w, withQuery(req.RedirectURI, q))
}

func (h *Handlers) internalError(w http.ResponseWriter, r *http.Request, where string, err error) {
	h.Logger.Error("oauth: "+where, "err", err)
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "Please try again in a moment.")
}
