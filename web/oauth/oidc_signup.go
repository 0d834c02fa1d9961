package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
)

// The first single sign-on of a person new here: before the account is
// made they see the handle it will have (prefilled from the provider's
// preferred_username or the email's local part) and may choose another.
//
//	GET  /auth/oidc/confirm   the handle form
//	POST /auth/oidc/confirm   make the account, sign in, go on
//
// The verified identity waits in the database (sso_sign_ups), found by
// the id in a short-lived cookie, so nobody can post an identity of
// their own making.

const (
	ssoSignUpCookie   = "kontor_sso_signup"
	ssoSignUpLifetime = 30 * time.Minute
)

// startSSOSignUp keeps the identity and sends the browser to the form.
func (h *Handlers) startSSOSignUp(w http.ResponseWriter, r *http.Request, id signup.Identity, returnTo string) {
	raw, err := json.Marshal(id)
	if err != nil {
		h.internalError(w, r, "single sign-on", err)
		return
	}
	plain, err := h.DB.CreateSSOSignUp(r.Context(), string(raw), returnTo, ssoSignUpLifetime)
	if err != nil {
		h.internalError(w, r, "single sign-on", err)
		return
	}
	h.setCookie(w, ssoSignUpCookie, plain, int(ssoSignUpLifetime.Seconds()))
	http.Redirect(w, r, "/auth/oidc/confirm", http.StatusSeeOther)
}

// pendingSSO returns the browser's waiting sign-up and its identity, or
// nil when there is none.
func (h *Handlers) pendingSSO(r *http.Request) (*db.SSOSignUp, signup.Identity, error) {
	var id signup.Identity
	plain := h.cookie(r, ssoSignUpCookie)
	if plain == "" {
		return nil, id, nil
	}
	p, err := h.DB.SSOSignUpByPlaintext(r.Context(), plain)
	if errors.Is(err, db.ErrNotFound) {
		return nil, id, nil
	} else if err != nil {
		return nil, id, err
	}
	if err := json.Unmarshal([]byte(p.Identity), &id); err != nil {
		return nil, id, err
	}
	return p, id, nil
}

// ssoConfirmPage renders the handle form.
func (h *Handlers) ssoConfirmPage(w http.ResponseWriter, r *http.Request, status int, id signup.Identity, username, errMsg string) {
	h.page(w, r, status, pageSSOConfirm, map[string]any{
		"CSRF": h.csrfToken(w, r), "Username": username, "Error": errMsg, "Identity": id,
		"Domain": h.Config.AccountDomain, "SSOName": h.Config.OIDCDisplayName,
	})
}

func (h *Handlers) ssoExpired(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusBadRequest, "Sign-in expired",
		"This sign-in took too long or was already completed. Go back to the sign-in page and try again.")
}

// ssoConfirmForm is GET /auth/oidc/confirm.
func (h *Handlers) ssoConfirmForm(w http.ResponseWriter, r *http.Request) {
	p, id, err := h.pendingSSO(r)
	if err != nil {
		h.internalError(w, r, "single sign-on", err)
		return
	}
	if p == nil {
		h.ssoExpired(w, r)
		return
	}
	name, err := h.signup.SuggestUsername(r.Context(), id)
	if err != nil {
		name = "" // no free suggestion: the person types one
	}
	h.ssoConfirmPage(w, r, http.StatusOK, id, name, "")
}

// ssoConfirm is POST /auth/oidc/confirm: the account is made with the
// chosen handle, or the form comes back with the reason.
func (h *Handlers) ssoConfirm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	ctx := r.Context()
	p, id, err := h.pendingSSO(r)
	if err != nil {
		h.internalError(w, r, "single sign-on", err)
		return
	}
	if p == nil {
		h.ssoExpired(w, r)
		return
	}
	username := r.PostFormValue("username")
	u, err := h.signup.CreateSSOAccount(ctx, id, username)
	var bad *signup.UsernameError
	if errors.As(err, &bad) {
		h.ssoConfirmPage(w, r, http.StatusUnprocessableEntity, id, username, bad.Reason)
		return
	}
	if h.ssoRefused(w, r, err) {
		return
	}
	if err := h.DB.DeleteSSOSignUp(ctx, p.IDHash); err != nil {
		h.Logger.Warn("oauth: end sso sign-up", "err", err)
	}
	h.setCookie(w, ssoSignUpCookie, "", -1)
	if err := h.startSession(w, r, u); err != nil {
		h.internalError(w, r, "single sign-on", err)
		return
	}
	to := p.ReturnTo
	if to == "" {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
