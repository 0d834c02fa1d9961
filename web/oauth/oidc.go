package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
)

// Single sign-on with the company's OpenID Connect identity provider:
// /auth/oidc/start sends the browser there with state, nonce and a PKCE
// challenge (kept in a short-lived cookie), /auth/oidc/callback verifies
// the ID token, finds the user (signup), starts a session and goes back
// to the pending authorize request, if any. A person new here first
// confirms their handle on /auth/oidc/confirm.

// oidcFlowLifetime is how long a started single sign-on may take.
const oidcFlowLifetime = 10 * time.Minute

// oidcClient talks to the identity provider. Its discovery document is
// fetched on first use (and again after a failure), so Kontor starts even
// while the provider is down.
type oidcClient struct {
	cfg *config.Config
	// hc reaches the identity provider. It is not the SSRF-guarded
	// federation client: the issuer is the operator's own configuration
	// and is often on the company's private network.
	hc *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCClient(cfg *config.Config) *oidcClient {
	return &oidcClient{cfg: cfg, hc: &http.Client{Timeout: 10 * time.Second}}
}

func (c *oidcClient) context(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.hc)
}

// discover returns the provider, fetching its discovery document once.
func (c *oidcClient) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(c.context(ctx), c.cfg.OIDCIssuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", c.cfg.OIDCIssuer, err)
	}
	c.provider = p
	return p, nil
}

func (c *oidcClient) oauth2Config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: c.cfg.OIDCClientID, ClientSecret: c.cfg.OIDCClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: c.cfg.BaseURL() + "/auth/oidc/callback", Scopes: c.cfg.OIDCScopes,
	}
}

// oidcFlow is what the flow cookie carries from start to callback.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r,omitempty"`
	Expires  int64  `json:"e"`
}

func encodeFlow(f oidcFlow) string {
	b, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeFlow(s string) (oidcFlow, bool) {
	var f oidcFlow
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &f) != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return oidcFlow{}, false
	}
	return f, true
}

// oidcStart is GET /auth/oidc/start (?return_to=).
func (h *Handlers) oidcStart(w http.ResponseWriter, r *http.Request) {
	if h.oidc == nil {
		h.errorPage(w, r, http.StatusNotFound, "Single sign-on is not available", "This server has no single sign-on configured.")
		return
	}
	p, err := h.oidc.discover(r.Context())
	if err != nil {
		h.Logger.Error("oauth: single sign-on", "err", err)
		h.errorPage(w, r, http.StatusBadGateway, "Single sign-on is unavailable",
			"The identity provider "+h.Config.OIDCDisplayName+" cannot be reached right now. Please try again in a moment.")
		return
	}
	f := oidcFlow{
		State: db.NewSecret(), Nonce: db.NewSecret(), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: safeReturnTo(r.URL.Query().Get("return_to")), Expires: h.now().Add(oidcFlowLifetime).Unix(),
	}
	// SameSite=Lax: the cookie comes back on the provider's top-level
	// redirect to the callback, and from no other site's request.
	h.setCookie(w, oidcCookie, encodeFlow(f), int(oidcFlowLifetime.Seconds()))
	to := h.oidc.oauth2Config(p).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
}

// idClaims are the ID token claims Kontor reads. email_verified may come
// as a boolean or, from some providers, as the string "true".
type idClaims struct {
	Email             string          `json:"email"`
	EmailVerified     json.RawMessage `json:"email_verified"`
	PreferredUsername string          `json:"preferred_username"`
	Name              string          `json:"name"`
	Locale            string          `json:"locale"`
}

func (c idClaims) verified() bool {
	v := strings.Trim(strings.ToLower(string(c.EmailVerified)), `"`)
	return v == "true"
}

// oidcCallback is GET /auth/oidc/callback, where the identity provider
// sends the browser back.
func (h *Handlers) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if h.oidc == nil {
		h.errorPage(w, r, http.StatusNotFound, "Single sign-on is not available", "This server has no single sign-on configured.")
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	raw := h.cookie(r, oidcCookie)
	h.setCookie(w, oidcCookie, "", -1) // one use, whatever happens
	f, ok := decodeFlow(raw)
	if !ok || h.now().Unix() > f.Expires || subtle.ConstantTimeCompare([]byte(f.State), []byte(q.Get("state"))) != 1 {
		h.errorPage(w, r, http.StatusBadRequest, "Sign-in expired",
			"This sign-in did not start here or took too long. Go back to the sign-in page and try again.")
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "The identity provider did not sign you in"
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		} else {
			msg += " (" + e + ")"
		}
		h.errorPage(w, r, http.StatusForbidden, "Sign-in failed", msg+".")
		return
	}
	id, err := h.oidcIdentity(ctx, q.Get("code"), f)
	if err != nil {
		h.Logger.Warn("oauth: single sign-on", "err", err)
		h.errorPage(w, r, http.StatusBadGateway, "Sign-in failed",
			"The answer of the identity provider could not be verified. Please try again.")
		return
	}
	u, err := h.signup.SignInSSO(ctx, id)
	if h.ssoRefused(w, r, err) {
		return
	}
	if u == nil {
		// A new person: they choose their handle first (oidc_signup.go).
		h.startSSOSignUp(w, r, id, f.ReturnTo)
		return
	}
	if msg := signInRefusal(u); msg != "" {
		h.errorPage(w, r, http.StatusForbidden, "You cannot sign in yet", msg)
		return
	}
	if err := h.startSession(w, r, u); err != nil {
		h.internalError(w, r, "single sign-on", err)
		return
	}
	to := f.ReturnTo
	if to == "" {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ssoRefused shows why single sign-on cannot go on, if err says so.
func (h *Handlers) ssoRefused(w http.ResponseWriter, r *http.Request, err error) bool {
	var refusal signup.Refusal
	var domain *signup.DomainRefusal
	switch {
	case err == nil:
		return false
	case errors.As(err, &domain):
		h.errorPage(w, r, http.StatusForbidden, "Not a company address", domain.Error())
	case errors.As(err, &refusal):
		h.errorPage(w, r, http.StatusForbidden, "You cannot sign in here", refusal.Error())
	default:
		h.internalError(w, r, "single sign-on", err)
	}
	return true
}

// oidcIdentity redeems the code (with the PKCE verifier) and verifies the
// ID token: signature, issuer, audience, expiry and nonce.
func (h *Handlers) oidcIdentity(ctx context.Context, code string, f oidcFlow) (signup.Identity, error) {
	if code == "" {
		return signup.Identity{}, errors.New("oidc: callback without code")
	}
	p, err := h.oidc.discover(ctx)
	if err != nil {
		return signup.Identity{}, err
	}
	cctx := h.oidc.context(ctx)
	tok, err := h.oidc.oauth2Config(p).Exchange(cctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return signup.Identity{}, fmt.Errorf("oidc: redeem code: %w", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return signup.Identity{}, errors.New("oidc: no id_token in the token response")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: h.Config.OIDCClientID, Now: h.now}).Verify(cctx, rawID)
	if err != nil {
		return signup.Identity{}, fmt.Errorf("oidc: verify id_token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return signup.Identity{}, errors.New("oidc: id_token nonce does not match")
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return signup.Identity{}, fmt.Errorf("oidc: id_token claims: %w", err)
	}
	return signup.Identity{
		Issuer: idt.Issuer, Subject: idt.Subject, Email: c.Email, EmailVerified: c.verified(),
		PreferredUsername: c.PreferredUsername, Name: c.Name, Locale: c.Locale,
	}, nil
}
