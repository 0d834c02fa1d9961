package oauth

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
)

// The sign-up page, invite links and email confirmation. The rules are
// web/signup's, the same as POST /api/v1/accounts'.

// signUpForm is GET /auth/sign_up (?invite_code=, ?return_to=).
func (h *Handlers) signUpForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	returnTo := safeReturnTo(q.Get("return_to"))
	if !h.signUpsOpen(w, r) {
		return
	}
	code := q.Get("invite_code")
	if code != "" {
		ok, err := h.signup.CheckInvite(r.Context(), code)
		if err != nil {
			h.internalError(w, r, "sign up", err)
			return
		}
		if !ok {
			h.invalidInvite(w, r)
			return
		}
	}
	h.signUpPage(w, r, http.StatusOK, returnTo, code, map[string]any{})
}

// signUpsOpen answers the "closed" page (or an error) unless sign-ups are open.
func (h *Handlers) signUpsOpen(w http.ResponseWriter, r *http.Request) bool {
	open, err := h.signup.Open(r.Context())
	if err != nil {
		h.internalError(w, r, "sign up", err)
		return false
	}
	if !open {
		h.errorPage(w, r, http.StatusForbidden, "Sign-ups are closed", signup.ErrClosed.Error())
	}
	return open
}

// signUpPage renders the sign-up form (or, in SSO-only mode, the single
// sign-on button; in invite mode without an invite, the explanation).
func (h *Handlers) signUpPage(w http.ResponseWriter, r *http.Request, status int, returnTo, invite string, data map[string]any) {
	data["CSRF"] = h.csrfToken(w, r)
	data["ReturnTo"] = returnTo
	data["Invite"] = invite
	data["SignInURL"] = withReturnTo("/auth/sign_in", returnTo)
	texts, err := h.DB.InstanceTexts(r.Context())
	if err != nil {
		h.internalError(w, r, "sign up", err)
		return
	}
	data["Approval"] = texts.Registrations == config.RegistrationsApproval && invite == ""
	data["InviteRequired"] = texts.Registrations == config.RegistrationsInvite && invite == ""
	data["Rules"] = texts.Rules
	if len(h.Config.AllowedEmailDomains) > 0 {
		data["Domains"] = h.signup.DomainList()
	}
	if _, ok := data["Form"]; !ok {
		data["Form"] = signup.Request{}
	}
	if _, ok := data["Errors"]; !ok {
		data["Errors"] = map[string]string{}
	}
	h.addSSO(data, returnTo)
	h.page(w, r, status, pageSignUp, data)
}

// signUp is POST /auth/sign_up.
func (h *Handlers) signUp(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	returnTo := safeReturnTo(r.PostFormValue("return_to"))
	req := signup.Request{
		Username: r.PostFormValue("username"), Email: r.PostFormValue("email"), Password: r.PostFormValue("password"),
		Agreement: truthy(r.PostFormValue("agreement")), Reason: r.PostFormValue("reason"),
		InviteCode: r.PostFormValue("invite_code"), Locale: pageLang(r), IP: clientIP(r),
	}
	res, err := h.signup.Register(r.Context(), req)
	var refusal signup.Refusal
	var verr *signup.ValidationError
	switch {
	case errors.As(err, &refusal):
		h.errorPage(w, r, http.StatusForbidden, "You cannot sign up here", refusal.Error())
		return
	case errors.As(err, &verr):
		msgs := map[string]string{}
		for f := range verr.Fields {
			msgs[f] = verr.Message(f)
		}
		req.Password = ""
		h.signUpPage(w, r, http.StatusUnprocessableEntity, returnTo, req.InviteCode, map[string]any{
			"Form": req, "Errors": msgs, "Error": "Please correct the marked fields."})
		return
	case err != nil:
		h.internalError(w, r, "sign up", err)
		return
	}
	paras := []string{}
	switch {
	case res.MailSent:
		paras = append(paras, "We sent a link to "+res.User.Email+". Open it within 24 hours to confirm your email address.")
	case h.signup.MailEnabled():
		paras = append(paras, "We could not send the confirmation mail to "+res.User.Email+" just now. Ask the administrators of this server to confirm your account.")
	default:
		paras = append(paras, "This server sends no email: an administrator will confirm your account ("+res.User.Email+").")
	}
	if res.NeedsApproval {
		paras = append(paras, "Your account also waits for approval by the administrators. You can sign in once it is approved.")
	} else {
		paras = append(paras, "Then you can sign in as @"+res.Account.Username+".")
	}
	title := "Check your email"
	if !res.MailSent {
		title = "Account created"
	}
	h.page(w, r, http.StatusOK, pageNotice, map[string]any{
		"Title": title, "Paragraphs": paras,
		"Link": withReturnTo("/auth/sign_in", returnTo), "LinkText": "Go to the sign-in page",
	})
}

func (h *Handlers) invalidInvite(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusNotFound, "Invalid invitation", "This invitation link is invalid, has expired or was used up.")
}

// openInvite is GET /invite/{code}: the sign-up page with the invite.
func (h *Handlers) openInvite(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	if !h.signUpsOpen(w, r) {
		return
	}
	ok, err := h.signup.CheckInvite(r.Context(), code)
	if err != nil {
		h.internalError(w, r, "invite", err)
		return
	}
	if !ok {
		h.invalidInvite(w, r)
		return
	}
	h.signUpPage(w, r, http.StatusOK, "", code, map[string]any{})
}

// confirmEmail is GET /auth/confirmation?token=…, the link of the mail.
func (h *Handlers) confirmEmail(w http.ResponseWriter, r *http.Request) {
	u, err := h.signup.Confirm(r.Context(), r.URL.Query().Get("token"))
	if errors.Is(err, db.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "Invalid confirmation link",
			"This confirmation link is invalid, was already used or has expired (links work for 24 hours).")
		return
	} else if err != nil {
		h.internalError(w, r, "confirm", err)
		return
	}
	paras := []string{"Your email address " + u.Email + " is confirmed."}
	if !u.Approved {
		paras = append(paras, "Your account still waits for approval by the administrators. You can sign in once it is approved.")
	}
	h.page(w, r, http.StatusOK, pageNotice, map[string]any{
		"Title": "Email address confirmed", "Paragraphs": paras, "Link": "/auth/sign_in", "LinkText": "Sign in",
	})
}
