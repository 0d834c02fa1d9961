package oauth

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
)

// safeReturnTo keeps a post-sign-in destination only when it is the
// authorize page of this server or an account's analytics page (no open
// redirect).
func safeReturnTo(s string) string {
	if s == "/oauth/authorize" || strings.HasPrefix(s, "/oauth/authorize?") || analyticsPage.MatchString(s) || brandSettingsPage.MatchString(s) || workspacePage.MatchString(s) ||
		portabilitySettingsPage.MatchString(s) {
		return s
	}
	return ""
}

// analyticsPage matches the analytics pages of web/pages (with their
// period parameters), which send signed-out visitors here.
var analyticsPage = regexp.MustCompile(`^/@[A-Za-z0-9_]{1,30}/analytics(\?[A-Za-z0-9_.%=&-]*)?$`)

// brandSettingsPage matches the brand settings pages of web/pages and
// the account settings pages of this package.
var brandSettingsPage = regexp.MustCompile(`^/settings/(brands(/[A-Za-z0-9_]{1,30}(/drafts/[0-9]{1,9})?)?|sessions|apps|password|2fa|email)$`)

// workspacePage matches the signed-in pages of web/pages (workspace).
var workspacePage = regexp.MustCompile(`^/(notifications|conversations|local|federated|bookmarks|favourites|lists(/[0-9]+)?|statuses/[0-9]+|accounts/[0-9]+|settings/profile|search(\?q=[A-Za-z0-9_.%+@:/-]*)?|authorize_interaction\?uri=[A-Za-z0-9_.%+@:/-]*)$`)

// portabilitySettingsPage matches the export, import, migration and
// archive pages of web/pages.
var portabilitySettingsPage = regexp.MustCompile(`^/settings/(export|import|migration|archive)$`)

// signInURL is the sign-in page that comes back to returnTo.
func signInURL(returnTo string) string {
	return "/auth/sign_in?return_to=" + url.QueryEscape(returnTo)
}

// SignInURL is the sign-in page, coming back to returnTo afterwards when
// it is a page that may be returned to (the authorize page, an analytics
// page); other pages send signed-out visitors there.
func SignInURL(returnTo string) string { return signInURL(returnTo) }

// SessionUser returns the user signed in by the request's session cookie
// (set by the sign-in page), or nil: no cookie, an unknown or expired
// session, or a user who may no longer sign in. Other HTML pages use it.
func (h *Handlers) SessionUser(r *http.Request) (*db.User, error) { return h.signedIn(r) }

// CSRFField is the form field that carries the CSRF token.
const CSRFField = csrfField

// CSRFToken returns the CSRF token for a form of another HTML page (in a
// hidden CSRFField), setting its cookie when needed; CheckCSRF verifies the
// POST. The same double-submit scheme as the sign-in and consent forms.
func (h *Handlers) CSRFToken(w http.ResponseWriter, r *http.Request) string { return h.csrfToken(w, r) }

// CheckCSRF verifies a form POST of another HTML page (see CSRFToken).
func (h *Handlers) CheckCSRF(r *http.Request) bool { return h.checkCSRF(r) }

// Signup is the sign-up service (invites, for the brand settings page).
func (h *Handlers) Signup() *signup.Service { return h.signup }

// returnToLang is the lang the authorize request asked for.
func returnToLang(returnTo string) string {
	if u, err := url.Parse(returnTo); err == nil {
		if l := u.Query().Get("lang"); langTag.MatchString(l) {
			return l
		}
	}
	return "en"
}

// signInForm is GET /auth/sign_in.
func (h *Handlers) signInForm(w http.ResponseWriter, r *http.Request) {
	returnTo := safeReturnTo(r.URL.Query().Get("return_to"))
	h.signInPage(w, r, http.StatusOK, returnTo, map[string]any{})
}

// signInPage renders the sign-in page: the single sign-on button when it
// is configured, the password form unless sso_only, and the link to the
// sign-up page when password sign-ups are possible.
func (h *Handlers) signInPage(w http.ResponseWriter, r *http.Request, status int, returnTo string, data map[string]any) {
	data["CSRF"] = h.csrfToken(w, r)
	data["ReturnTo"] = returnTo
	data["Lang"] = returnToLang(returnTo)
	h.addSSO(data, returnTo)
	open, err := h.signup.PasswordSignUps(r.Context())
	if err != nil {
		h.internalError(w, r, "sign in", err)
		return
	}
	if open {
		data["SignUp"] = true
		data["SignUpURL"] = withReturnTo("/auth/sign_up", returnTo)
	}
	h.page(w, r, status, pageSignIn, data)
}

// addSSO adds the single sign-on button's data to a page.
func (h *Handlers) addSSO(data map[string]any, returnTo string) {
	if !h.Config.OIDCEnabled() {
		return
	}
	data["SSO"] = true
	data["SSOOnly"] = h.Config.SSOOnly
	data["SSOName"] = h.Config.OIDCDisplayName
	data["SSOStart"] = withReturnTo("/auth/oidc/start", returnTo)
}

// withReturnTo adds ?return_to= to a path when there is somewhere to return to.
func withReturnTo(path, returnTo string) string {
	if returnTo == "" {
		return path
	}
	return path + "?return_to=" + url.QueryEscape(returnTo)
}

// signIn is POST /auth/sign_in: check the password, start a session, go
// back to the authorize page. Failures re-render the form with a message.
func (h *Handlers) signIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	ctx := r.Context()
	returnTo := safeReturnTo(r.PostFormValue("return_to"))
	login := normalizeLogin(r.PostFormValue("login"))
	password := r.PostFormValue("password")
	again := func(status int, msg string) {
		h.signInPage(w, r, status, returnTo, map[string]any{"Login": login, "Error": msg})
	}
	if h.Config.SSOOnly {
		again(http.StatusForbidden, "Password sign-in is turned off on this server. Sign in with "+h.Config.OIDCDisplayName+".")
		return
	}
	if login == "" || password == "" {
		again(http.StatusUnprocessableEntity, "Enter your email address or username, and your password.")
		return
	}
	u, wait, err := h.checkLogin(ctx, clientIP(r), login, password)
	if err != nil {
		h.Logger.Error("oauth: sign in", "err", err)
		h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "Please try again.")
		return
	}
	if secs := int(math.Ceil(wait.Seconds())); wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts. Try again in %d seconds.", secs))
		return
	}
	if u == nil {
		again(http.StatusUnprocessableEntity, "Invalid email address, username or password.")
		return
	}
	if msg := signInRefusal(u); msg != "" {
		again(http.StatusForbidden, msg)
		return
	}
	if u.OTPSecret != "" {
		h.startTwoFactor(w, r, u, returnTo)
		return
	}
	if err := h.startSession(w, r, u); err != nil {
		h.Logger.Error("oauth: sign in", "err", err)
		h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "Please try again.")
		return
	}
	if returnTo == "" {
		returnTo = "/"
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

// startSession signs a browser in as u (who may sign in): a new session id
// on every sign-in (no fixation); the old session ends.
func (h *Handlers) startSession(w http.ResponseWriter, r *http.Request, u *db.User) error {
	ctx := r.Context()
	if old := h.cookie(r, sessionCookie); old != "" {
		if err := h.DB.DeleteSession(ctx, old); err != nil {
			h.Logger.Warn("oauth: end old session", "err", err)
		}
	}
	plain, _, err := h.DB.CreateSession(ctx, u.ID, sessionLifetime, db.SessionClient{UserAgent: r.UserAgent(), IP: clientIP(r)})
	if err != nil {
		return err
	}
	h.setCookie(w, sessionCookie, plain, int(sessionLifetime.Seconds()))
	if err := h.DB.RecordSignIn(ctx, u.ID); err != nil {
		h.Logger.Warn("oauth: record sign-in", "err", err)
	}
	return nil
}

// signOut is POST /auth/sign_out.
func (h *Handlers) signOut(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	if plain := h.cookie(r, sessionCookie); plain != "" {
		if err := h.DB.DeleteSession(r.Context(), plain); err != nil {
			h.Logger.Error("oauth: sign out", "err", err)
			h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "Please try again.")
			return
		}
		h.revokeStreamTokens(r, plain)
	}
	h.setCookie(w, sessionCookie, "", -1)
	to := "/auth/sign_in"
	if rt := safeReturnTo(r.PostFormValue("return_to")); rt != "" {
		to = rt
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (h *Handlers) csrfFailed(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusForbidden, "Invalid form",
		"This form has expired or did not come from this site. Go back, reload the page and try again.")
}

// normalizeLogin trims a login and a leading @ of a username.
func normalizeLogin(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") && strings.Count(s, "@") == 1 {
		s = s[1:]
	}
	return s
}

// dummyHash is compared against when the login is unknown, so a wrong
// login takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := db.HashPassword("kontor-no-such-user-password")
	return h
})
