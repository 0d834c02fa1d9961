package oauth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
)

// Resetting a forgotten password through a mailed link:
//
//	GET/POST /auth/password/new    ask for a link (email address)
//	GET/POST /auth/password/edit   ?reset_password_token=: choose the new password
//
// The request page answers the same whatever the address, and the mail
// goes out after the answer, so neither the words nor the timing tell
// who has an account. Without SMTP the page says to ask an admin.

// resetRequestsFree is how many reset requests an address may make before
// it has to wait (each costs a mail to somebody).
const resetRequestsFree = 5

func (h *Handlers) passwordResetRoutes(r chi.Router) {
	r.Get("/auth/password/new", h.passwordResetForm)
	r.Post("/auth/password/new", h.passwordResetRequest)
	r.Get("/auth/password/edit", h.passwordEditForm)
	r.Post("/auth/password/edit", h.passwordEdit)
}

func (h *Handlers) passwordResetForm(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusOK, pagePasswordNew, map[string]any{
		"CSRF": h.csrfToken(w, r), "Mail": h.signup.MailEnabled(), "SSOOnly": h.Config.SSOOnly, "SSOName": h.Config.OIDCDisplayName})
}

// passwordResetRequest is POST /auth/password/new.
func (h *Handlers) passwordResetRequest(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	if !h.signup.MailEnabled() || h.Config.SSOOnly {
		h.passwordResetForm(w, r)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if !strings.Contains(email, "@") {
		h.page(w, r, http.StatusUnprocessableEntity, pagePasswordNew, map[string]any{
			"CSRF": h.csrfToken(w, r), "Mail": true, "Error": "Enter the email address of your account."})
		return
	}
	key := "reset\x00" + clientIP(r)
	if wait := h.throttle.wait(key); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		h.page(w, r, http.StatusTooManyRequests, pagePasswordNew, map[string]any{
			"CSRF": h.csrfToken(w, r), "Mail": true, "Error": fmt.Sprintf("Too many requests. Try again in %d seconds.", secs)})
		return
	}
	h.throttle.fail(key, resetRequestsFree)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := h.signup.SendPasswordReset(ctx, email); err != nil {
			h.Logger.Error("oauth: password reset mail", "err", err)
		}
	}()
	h.page(w, r, http.StatusOK, pageNotice, map[string]any{
		"Title": "Check your email",
		"Paragraphs": []string{
			"If " + email + " belongs to an account here, a link to choose a new password is on its way. It works once, for an hour.",
			"No email after a few minutes? Check the spam folder, or ask an administrator of this server.",
		},
		"Link": "/auth/sign_in", "LinkText": "Back to sign in",
	})
}

// passwordEditForm is GET /auth/password/edit, the mailed link.
func (h *Handlers) passwordEditForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("reset_password_token")
	if _, err := h.DB.PasswordResetUser(r.Context(), token); errors.Is(err, db.ErrNotFound) || token == "" {
		h.resetLinkInvalid(w, r)
		return
	} else if err != nil {
		h.internalError(w, r, "password reset", err)
		return
	}
	h.page(w, r, http.StatusOK, pagePasswordEdit, map[string]any{"CSRF": h.csrfToken(w, r), "Token": token})
}

// passwordEdit is POST /auth/password/edit: the new password is set and
// every session and token of the account ends (as an admin's reset does).
func (h *Handlers) passwordEdit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	token, password := r.PostFormValue("reset_password_token"), r.PostFormValue("password")
	again := func(msg string) {
		h.page(w, r, http.StatusUnprocessableEntity, pagePasswordEdit, map[string]any{"CSRF": h.csrfToken(w, r), "Token": token, "Error": msg})
	}
	if password != r.PostFormValue("password_confirmation") {
		again("The password and its confirmation differ.")
		return
	}
	_, err := h.DB.UsePasswordReset(r.Context(), token, password)
	switch {
	case errors.Is(err, db.ErrWeakPassword):
		again("The password must be 8 to 72 characters long.")
		return
	case errors.Is(err, db.ErrNotFound):
		h.resetLinkInvalid(w, r)
		return
	case err != nil:
		h.internalError(w, r, "password reset", err)
		return
	}
	h.TokensRevoked()
	h.page(w, r, http.StatusOK, pageNotice, map[string]any{
		"Title":      "Password changed",
		"Paragraphs": []string{"Your new password is set. You have been signed out everywhere, apps included: sign in again."},
		"Link":       "/auth/sign_in", "LinkText": "Sign in",
	})
}

func (h *Handlers) resetLinkInvalid(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, pageNotice, map[string]any{
		"Title":      "This link does not work",
		"Paragraphs": []string{"The link has expired, was already used, or a newer one was sent. Ask for a new one."},
		"Link":       "/auth/password/new", "LinkText": "Reset your password",
	})
}
