package api

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/signup"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// Sign-up through the API: POST /api/v1/accounts, as Mastodon clients do it
// with an app token (client_credentials, write:accounts). The rules are
// web/signup's, the same as the sign-up page's.

// registrationRoutes registers POST /api/v1/accounts.
func (h *Handlers) registrationRoutes(r chi.Router) {
	r.Post("/accounts", h.handler(h.registerAccount))
}

// signups are the sign-up rules of this instance.
func (h *Handlers) signups() *signup.Service {
	return signup.New(signup.Deps{Config: h.Config, DB: h.DB, Engine: h.Engine, Logger: h.Log})
}

// tokenEntity is Mastodon's Token entity.
type tokenEntity struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

// validationFailed is Mastodon's 422 for a sign-up: the message and, per
// field, what is wrong.
type validationFailed struct {
	Error   string                     `json:"error"`
	Details map[string][]signup.Detail `json:"details"`
}

func (h *Handlers) registerAccount(w http.ResponseWriter, r *http.Request) error {
	// Any token with write:accounts will do; Mastodon clients use an app
	// token from client_credentials, which has no user.
	c := auth.From(r.Context())
	if c == nil {
		return auth.ErrUnauthorized
	}
	if !scopes.Allows(c.Scopes, "write:accounts") {
		return apiErr(http.StatusForbidden, "This action is outside the authorized scopes")
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	agreement, _, err := p.Bool("agreement")
	if err != nil {
		return err
	}
	res, err := h.signups().Register(r.Context(), signup.Request{
		Username: p.String("username"), Email: p.String("email"), Password: p.String("password"),
		Agreement: agreement, Locale: p.String("locale"), Reason: p.String("reason"), InviteCode: p.String("invite_code"),
		IP: remoteIP(r), AppID: c.Token.AppID,
	})
	var refusal signup.Refusal
	var verr *signup.ValidationError
	switch {
	case errors.As(err, &refusal):
		return apiErr(http.StatusForbidden, refusal.Error())
	case errors.As(err, &verr):
		render.JSON(w, http.StatusUnprocessableEntity, validationFailed{Error: verr.Error(), Details: verr.Fields})
		return nil
	case err != nil:
		return err
	}
	// The token works once the address is confirmed (and the account
	// approved): until then the API answers 403, as Mastodon does.
	tok, err := h.DB.CreateToken(r.Context(), db.NewToken{
		AppID: c.Token.AppID, UserID: &res.User.ID, AccountID: &res.Account.ID, Scopes: c.Scopes,
	})
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, tokenEntity{
		AccessToken: tok.AccessToken, TokenType: "Bearer", Scope: tok.Scopes, CreatedAt: tok.CreatedAt.Unix(),
	})
	return nil
}
