package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/render"
)

// tokenError is an RFC 6749 section 5.2 error.
type tokenError struct {
	status int
	code   string
	desc   string
}

func (e *tokenError) Error() string { return e.code + ": " + e.desc }

func invalidRequest(format string, args ...any) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_request", fmt.Sprintf(format, args...)}
}

func invalidGrant(desc string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_grant", desc}
}

func invalidScope(desc string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_scope", desc}
}

var errInvalidClient = &tokenError{http.StatusUnauthorized, "invalid_client", "Client authentication failed: unknown client, wrong or missing client secret."}

func (h *Handlers) writeTokenError(w http.ResponseWriter, r *http.Request, err error) {
	var te *tokenError
	if !errors.As(err, &te) {
		h.Logger.Error("oauth: token", "err", err)
		te = &tokenError{http.StatusInternalServerError, "server_error", "Internal server error"}
	}
	if te.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+h.Config.Host+`"`)
	}
	noStore(w)
	render.JSON(w, te.status, map[string]string{"error": te.code, "error_description": te.desc})
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// client is the application calling the token or revocation endpoint.
type client struct {
	app *db.App
	// authenticated: its secret was checked. A client with only its id is
	// a public client, allowed to redeem a PKCE-protected code (Phanpy) and
	// to revoke its own tokens.
	authenticated bool
}

// authenticateClient reads client_secret_basic (Authorization: Basic) or
// client_secret_post (body) credentials. A wrong secret always fails; a
// missing one gives an unauthenticated client.
func (h *Handlers) authenticateClient(r *http.Request, f form) (*client, error) {
	id, secret := f.get("client_id"), f.get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 section 2.3.1: both are form-encoded before Basic encoding.
		bid, err1 := url.QueryUnescape(user)
		bsecret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || strings.IndexByte(bid+bsecret, 0) >= 0 {
			return nil, errInvalidClient // NUL: no client has it, and no query may carry it
		}
		if id != "" && id != bid {
			return nil, invalidRequest("client_id in the body differs from the Authorization header")
		}
		id, secret = bid, bsecret
	}
	if id == "" {
		return nil, errInvalidClient
	}
	app, err := h.DB.AppByClientID(r.Context(), id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, errInvalidClient
	} else if err != nil {
		return nil, err
	}
	if secret == "" {
		return &client{app: app}, nil
	}
	if !db.AppSecretMatches(app, secret) {
		return nil, errInvalidClient
	}
	return &client{app: app, authenticated: true}, nil
}

// tokenResponse is RFC 6749 section 5.1, as Mastodon sends it.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// token is POST /oauth/token.
func (h *Handlers) token(w http.ResponseWriter, r *http.Request) {
	f, err := readBody(r, false)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			h.writeTokenError(w, r, &tokenError{http.StatusRequestEntityTooLarge, "invalid_request", "Request body too large"})
			return
		}
		h.writeTokenError(w, r, invalidRequest("%v", err))
		return
	}
	grant := f.get("grant_type")
	switch grant {
	case "":
		h.writeTokenError(w, r, invalidRequest("grant_type is missing"))
		return
	case "authorization_code", "client_credentials", "password", "refresh_token":
	default:
		h.writeTokenError(w, r, &tokenError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", grant)})
		return
	}
	c, err := h.authenticateClient(r, f)
	if err != nil {
		h.writeTokenError(w, r, err)
		return
	}
	var issued *db.IssuedToken
	switch grant {
	case "authorization_code":
		issued, err = h.grantCode(r, c, f)
	case "client_credentials":
		issued, err = h.grantClientCredentials(r, c, f)
	case "password":
		issued, err = h.grantPassword(w, r, c, f)
	case "refresh_token":
		issued, err = h.grantRefresh(r, c, f)
	}
	if err != nil {
		h.writeTokenError(w, r, err)
		return
	}
	noStore(w)
	render.JSON(w, http.StatusOK, tokenResponse{
		AccessToken: issued.AccessToken, TokenType: "Bearer", Scope: issued.Scopes,
		CreatedAt: issued.CreatedAt.Unix(), RefreshToken: issued.RefreshToken,
	})
}

// grantCode redeems an authorization code (RFC 6749 section 4.1.3, PKCE
// RFC 7636 section 4.6).
func (h *Handlers) grantCode(r *http.Request, c *client, f form) (*db.IssuedToken, error) {
	ctx := r.Context()
	code, err := h.usableCode(ctx, c, f.get("code"))
	if err != nil {
		return nil, err
	}
	if err := checkCodeRedemption(c, f, code); err != nil {
		return nil, err
	}
	u, ceiling, err := h.codeUser(ctx, code)
	if err != nil {
		return nil, err
	}
	issued, err := h.DB.RedeemAuthorizationCode(ctx, code.CodeHash, db.NewToken{
		AppID: &c.app.ID, UserID: &u.ID, AccountID: &code.AccountID, Scopes: strings.Fields(code.Scopes), Refresh: true,
		RoleCeiling: ceiling,
	})
	if errors.Is(err, db.ErrCodeUsed) {
		return nil, h.codeReplayed(ctx, code)
	}
	return issued, err
}

// usableCode looks up the client's unexpired, unused authorization code.
func (h *Handlers) usableCode(ctx context.Context, c *client, plain string) (*db.AuthorizationCode, error) {
	if plain == "" {
		return nil, invalidRequest("code is missing")
	}
	code, err := h.DB.AuthorizationCodeByPlaintext(ctx, plain)
	if errors.Is(err, db.ErrNotFound) || err == nil && code.AppID != c.app.ID {
		return nil, invalidGrant("The authorization code is invalid.")
	} else if err != nil {
		return nil, err
	}
	if code.UsedAt != nil {
		return nil, h.codeReplayed(ctx, code)
	}
	if !h.now().Before(code.ExpiresAt) {
		return nil, invalidGrant("The authorization code has expired.")
	}
	return code, nil
}

// codeReplayed answers a code used again: someone else may hold it, so
// what it gave is revoked (RFC 6749 section 4.1.2).
func (h *Handlers) codeReplayed(ctx context.Context, code *db.AuthorizationCode) error {
	if err := h.DB.RevokeCodeTokens(ctx, code.CodeHash); err != nil {
		return err
	}
	h.TokensRevoked()
	return invalidGrant("The authorization code was already used; the tokens it gave are revoked.")
}

// checkCodeRedemption checks what the token request must repeat or prove:
// the client (a secret, or PKCE for public clients), the redirect_uri and
// the code_verifier.
func checkCodeRedemption(c *client, f form, code *db.AuthorizationCode) error {
	if !c.authenticated && code.CodeChallenge == "" {
		return errInvalidClient
	}
	if ru := f.get("redirect_uri"); ru == "" {
		return invalidRequest("redirect_uri is missing")
	} else if ru != code.RedirectURI {
		return invalidGrant("redirect_uri does not match the authorization request.")
	}
	verifier := f.get("code_verifier")
	switch {
	case code.CodeChallenge != "" && verifier == "":
		return invalidGrant("code_verifier is missing (the authorization request had a code_challenge).")
	case code.CodeChallenge != "" && !pkceVerify(code.CodeChallenge, code.CodeChallengeMethod, verifier):
		return invalidGrant("code_verifier does not match the code_challenge.")
	case code.CodeChallenge == "" && verifier != "":
		return invalidGrant("code_verifier given, but the authorization request had no code_challenge.")
	}
	return nil
}

// codeUser is the user a code was issued to, if they may still sign in. A
// code for a brand gives a token acting as the brand, with the member's
// role (now) as its ceiling; a former member gets nothing.
func (h *Handlers) codeUser(ctx context.Context, code *db.AuthorizationCode) (u *db.User, ceiling string, err error) {
	u, err = h.DB.UserByID(ctx, code.UserID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, "", invalidGrant("The user of this authorization code no longer exists.")
	} else if err != nil {
		return nil, "", err
	}
	if msg := signInRefusal(u); msg != "" {
		return nil, "", invalidGrant(msg)
	}
	if code.AccountID == u.AccountID {
		return u, "", nil
	}
	role, err := h.DB.BrandRole(ctx, code.AccountID, u.ID)
	if errors.Is(err, db.ErrNotMember) {
		return nil, "", invalidGrant("You are no longer a member of the brand this code was issued for.")
	} else if err != nil {
		return nil, "", err
	}
	return u, role, nil
}

// pkceVerify checks a code_verifier against its challenge.
func pkceVerify(challenge, method, verifier string) bool {
	if !pkceChallenge.MatchString(verifier) {
		return false
	}
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// requestedScopes reads the scope parameter ("read" when absent) and
// checks it against what may be granted.
func requestedScopes(f form, allowed []string) ([]string, error) {
	asked, err := scopes.Parse(f.get("scope"))
	if err != nil {
		return nil, invalidScope(err.Error())
	}
	if !scopes.Subset(asked, allowed) {
		return nil, invalidScope("The requested scope exceeds what the application registered.")
	}
	return asked, nil
}

// grantClientCredentials issues an app-only token (no user).
func (h *Handlers) grantClientCredentials(r *http.Request, c *client, f form) (*db.IssuedToken, error) {
	if !c.authenticated {
		return nil, errInvalidClient
	}
	scopes, err := requestedScopes(f, strings.Fields(c.app.Scopes))
	if err != nil {
		return nil, err
	}
	return h.DB.CreateToken(r.Context(), db.NewToken{AppID: &c.app.ID, Scopes: scopes})
}

// grantPassword is the resource owner password grant Mastodon still
// accepts: username carries the email (or here, the username too).
func (h *Handlers) grantPassword(w http.ResponseWriter, r *http.Request, c *client, f form) (*db.IssuedToken, error) {
	if !c.authenticated {
		return nil, errInvalidClient
	}
	if h.Config.SSOOnly {
		return nil, &tokenError{http.StatusBadRequest, "unsupported_grant_type",
			"Password sign-in is turned off on this server: sign in through single sign-on (authorization_code)."}
	}
	login, password := normalizeLogin(f.get("username")), f.get("password")
	if login == "" || password == "" {
		return nil, invalidRequest("username and password are required")
	}
	scopes, err := requestedScopes(f, strings.Fields(c.app.Scopes))
	if err != nil {
		return nil, err
	}
	u, wait, err := h.checkLogin(r.Context(), clientIP(r), login, password)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		return nil, &tokenError{http.StatusTooManyRequests, "invalid_grant", fmt.Sprintf("Too many failed attempts; try again in %d seconds.", secs)}
	}
	if u == nil {
		return nil, invalidGrant("Invalid email address, username or password.")
	}
	if msg := signInRefusal(u); msg != "" {
		return nil, invalidGrant(msg)
	}
	if u.OTPSecret != "" {
		// The password alone is not enough for this account.
		return nil, invalidGrant("This account uses two-factor authentication: sign in through the browser (authorization_code).")
	}
	return h.DB.CreateToken(r.Context(), db.NewToken{
		AppID: &c.app.ID, UserID: &u.ID, AccountID: &u.AccountID, Scopes: scopes, Refresh: true,
	})
}

// grantRefresh rotates a token: the old access and refresh tokens stop
// working, new ones are issued (same user, identity and scopes, or fewer).
// Only confidential clients refresh: without the client secret, a stolen
// refresh token alone would be enough.
func (h *Handlers) grantRefresh(r *http.Request, c *client, f form) (*db.IssuedToken, error) {
	if !c.authenticated {
		return nil, errInvalidClient
	}
	ctx := r.Context()
	plain := f.get("refresh_token")
	if plain == "" {
		return nil, invalidRequest("refresh_token is missing")
	}
	old, err := h.DB.TokenByRefreshToken(ctx, plain)
	if errors.Is(err, db.ErrNotFound) || err == nil && (old.AppID == nil || *old.AppID != c.app.ID) {
		return nil, invalidGrant("The refresh token is invalid.")
	} else if err != nil {
		return nil, err
	}
	scopes := strings.Fields(old.Scopes)
	if f.get("scope") != "" {
		if scopes, err = requestedScopes(f, scopes); err != nil {
			return nil, err
		}
	}
	if old.UserID != nil {
		u, err := h.DB.UserByID(ctx, *old.UserID)
		if errors.Is(err, db.ErrNotFound) {
			return nil, invalidGrant("The user of this token no longer exists.")
		} else if err != nil {
			return nil, err
		}
		if msg := signInRefusal(u); msg != "" {
			return nil, invalidGrant(msg)
		}
	}
	issued, err := h.DB.RotateToken(ctx, old, db.NewToken{
		AppID: old.AppID, UserID: old.UserID, AccountID: old.AccountID, Scopes: scopes,
		RoleCeiling: old.RoleCeiling, Refresh: true,
	})
	if errors.Is(err, db.ErrNotFound) {
		return nil, invalidGrant("The refresh token is invalid.")
	}
	return issued, err
}

// revoke is POST /oauth/revoke (RFC 7009): 200 {} whether or not the token
// was known; only the client's own tokens are revoked.
func (h *Handlers) revoke(w http.ResponseWriter, r *http.Request) {
	f, err := readBody(r, false)
	if err != nil {
		h.writeTokenError(w, r, invalidRequest("%v", err))
		return
	}
	c, err := h.authenticateClient(r, f)
	if err != nil {
		h.writeTokenError(w, r, err)
		return
	}
	tok := f.get("token")
	if tok == "" {
		h.writeTokenError(w, r, invalidRequest("token is missing"))
		return
	}
	if err := h.DB.RevokeAppToken(r.Context(), c.app.ID, tok); err != nil {
		h.writeTokenError(w, r, err)
		return
	}
	h.TokensRevoked()
	noStore(w)
	render.JSON(w, http.StatusOK, map[string]any{})
}
