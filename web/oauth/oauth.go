package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// Lifetimes.
const (
	codeLifetime    = 10 * time.Minute
	sessionLifetime = 14 * 24 * time.Hour
	// sessionTouchEvery limits how often a session's last_seen_at is written.
	sessionTouchEvery = 5 * time.Minute
)

// Deps are what the OAuth handlers need.
type Deps struct {
	Config *config.Config
	DB     *db.DB
	Engine *activitypub.Engine
	// Tokens resolves access tokens as the API does (nil: one of its own).
	Tokens *auth.Resolver
	Logger *slog.Logger
	// CORS wraps the endpoints browser clients call cross-origin (token,
	// revoke, userinfo, metadata); web passes the API's CORS middleware.
	CORS func(http.Handler) http.Handler
	// Now is the clock (nil: time.Now); tests move it to expire codes.
	Now func() time.Time
	// TokensRevoked is told after tokens were revoked (nil: nobody), so
	// that streaming connections of those tokens end at once.
	TokensRevoked func()
}

// Handlers serves apps, the authorize pages, tokens and revocation.
type Handlers struct {
	Deps
	pages    map[string]*render.Template
	throttle *loginThrottle
	signup   *signup.Service
	oidc     *oidcClient
}

// New returns the OAuth handlers; templates are parsed here, so a broken
// one fails at start.
func New(d Deps) *Handlers {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.CORS == nil {
		d.CORS = func(next http.Handler) http.Handler { return next }
	}
	if d.TokensRevoked == nil {
		d.TokensRevoked = func() {}
	}
	if d.Tokens == nil {
		d.Tokens = auth.NewResolver(d.DB)
	}
	h := &Handlers{Deps: d, pages: parsePages(), throttle: newLoginThrottle(d.Now)}
	h.signup = signup.New(signup.Deps{Config: d.Config, DB: d.DB, Engine: d.Engine, Logger: d.Logger, Now: d.Now})
	if d.Config.OIDCEnabled() {
		h.oidc = newOIDCClient(d.Config)
	}
	return h
}

// Routes mounts the OAuth endpoints, the sign-in pages and the
// authorization server metadata.
func (h *Handlers) Routes(r chi.Router) {
	r.Get("/oauth/authorize", h.authorizeForm)
	r.Post("/oauth/authorize", h.authorizeDecision)
	r.Get("/auth/sign_in", h.signInForm)
	r.Post("/auth/sign_in", h.signIn)
	r.Post("/auth/sign_out", h.signOut)
	r.Get("/auth/sign_up", h.signUpForm)
	r.Post("/auth/sign_up", h.signUp)
	r.Get("/auth/confirmation", h.confirmEmail)
	r.Get("/invite/{code}", h.openInvite)
	r.Get("/auth/oidc/start", h.oidcStart)
	r.Get("/auth/oidc/callback", h.oidcCallback)
	r.Get("/auth/oidc/confirm", h.ssoConfirmForm)
	r.Post("/auth/oidc/confirm", h.ssoConfirm)
	r.Get("/auth/two_factor", h.twoFactorForm)
	r.Post("/auth/two_factor", h.twoFactor)
	h.passwordResetRoutes(r)
	h.settingsRoutes(r)

	cors := r.With(h.CORS)
	preflight := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	cors.Post("/oauth/token", h.token)
	cors.Options("/oauth/token", preflight)
	cors.Post("/oauth/revoke", h.revoke)
	cors.Options("/oauth/revoke", preflight)
	cors.Get("/oauth/userinfo", h.userinfo)
	cors.Post("/oauth/userinfo", h.userinfo)
	cors.Options("/oauth/userinfo", preflight)
	cors.Get("/.well-known/oauth-authorization-server", h.metadata)
	cors.Options("/.well-known/oauth-authorization-server", preflight)
}

// AppRoutes registers /apps below /api/v1 (the API mounts it, with its CORS,
// authentication and rate limits).
func (h *Handlers) AppRoutes(r chi.Router) {
	r.Post("/apps", h.createApp)
	r.Get("/apps/verify_credentials", h.verifyApp)
}

func (h *Handlers) now() time.Time { return h.Now().UTC() }

func (h *Handlers) baseURL() string { return h.Config.BaseURL() }

func (h *Handlers) secureCookies() bool { return h.Config.Protocol == "https" }

// clientIP is the caller's address (RealIP has already applied trusted proxies).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// errInvalidToken: no token, an unknown, revoked or expired one, or one whose
// user may no longer sign in.
var errInvalidToken = errors.New("the access token is invalid")

// resolveToken resolves the request's Authorization: Bearer token, as the
// API does (web/auth); every refusal is errInvalidToken.
func (h *Handlers) resolveToken(ctx context.Context, r *http.Request) (*auth.Caller, error) {
	plain := auth.HeaderToken(r)
	if plain == "" {
		return nil, errInvalidToken
	}
	c, err := h.Tokens.Resolve(ctx, plain)
	var refused *render.StatusError
	if errors.As(err, &refused) {
		return nil, errInvalidToken
	}
	return c, err
}

// signInRefusal says why a user may not sign in or use tokens, or "".
func signInRefusal(u *db.User) string {
	switch {
	case u.Account != nil && u.Account.Suspended():
		return "This account is suspended."
	case u.Disabled:
		return "Your login is disabled. Contact the administrators of this server."
	case !u.Approved:
		return "Your account is waiting for approval by the moderators. You can sign in once it is approved."
	case u.ConfirmedAt == nil && u.ConfirmationToken == "":
		// No confirmation link was ever mailed (no SMTP): an admin confirms.
		return "Your account is not confirmed yet: an administrator of this server will confirm it. You can sign in once they have."
	case u.ConfirmedAt == nil:
		return "Please confirm your email address first: follow the link in the email we sent you."
	}
	return ""
}
