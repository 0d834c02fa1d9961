// Package auth turns the bearer token of a client API request into its
// caller — the account acted as, the user behind it, the token's scopes and,
// for a token acting as a brand, the member's role — and keeps the caller in
// the request's context. The REST API (web/api), streaming (web/streaming)
// and the OAuth endpoints that read tokens (web/oauth) share it, so a token
// means the same everywhere.
package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/render"
)

// Caller is the authenticated caller of a request.
type Caller struct {
	Token   *db.Token
	Account *db.Account // the identity acted as (a brand for brand tokens); nil for app tokens
	User    *db.User    // the person (for brand tokens, the member)
	Scopes  []string
	// BrandRole is set when the token acts as a brand: the member's current
	// role, capped by the role the token was issued with.
	BrandRole string
}

// Refusals of a token, with Mastodon's wording.
var (
	// ErrUnauthorized: an unknown, revoked or expired token, or one acting
	// as a brand its user no longer belongs to.
	ErrUnauthorized = &render.StatusError{Status: http.StatusUnauthorized, Msg: "The access token is invalid"}
	// ErrLoginDisabled: the user exists but may not use the API
	// (unconfirmed, unapproved, disabled, suspended).
	ErrLoginDisabled = &render.StatusError{Status: http.StatusForbidden, Msg: "Your login is currently disabled"}
)

type callerKey struct{}

// From returns the caller of a request, or nil for anonymous requests.
func From(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// With puts a caller in a context.
func With(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// AccountID is the id of the account the caller acts as, 0 when anonymous
// (or an app token).
func (c *Caller) AccountID() int64 {
	if c == nil || c.Account == nil {
		return 0
	}
	return c.Account.ID
}

// BearerToken extracts the access token: Authorization: Bearer, or the
// access_token query parameter (streaming clients use it).
func BearerToken(r *http.Request) string {
	if h := HeaderToken(r); h != "" {
		return h
	}
	return r.URL.Query().Get("access_token")
}

// HeaderToken extracts the access token of Authorization: Bearer only.
func HeaderToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Resolver turns access tokens into callers.
type Resolver struct {
	db *db.DB
}

// NewResolver returns a resolver reading tokens from store.
func NewResolver(store *db.DB) *Resolver { return &Resolver{db: store} }

// Resolve turns an access token into its caller: ErrUnauthorized or
// ErrLoginDisabled when it may not be used.
func (rs *Resolver) Resolve(ctx context.Context, plain string) (*Caller, error) {
	tok, err := rs.db.TokenByPlaintext(ctx, plain)
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	c := &Caller{Token: tok, Scopes: strings.Fields(tok.Scopes)}
	if tok.UserID != nil {
		u, err := rs.db.UserByID(ctx, *tok.UserID)
		if errors.Is(err, db.ErrNotFound) {
			return nil, ErrUnauthorized
		}
		if err != nil {
			return nil, err
		}
		if u.Disabled || !u.Approved || u.ConfirmedAt == nil || u.Account.Suspended() {
			return nil, ErrLoginDisabled
		}
		c.User, c.Account = u, u.Account
	}
	if tok.AccountID != nil && (c.Account == nil || *tok.AccountID != c.Account.ID) {
		if err := rs.actAsBrand(ctx, c, *tok.AccountID); err != nil {
			return nil, err
		}
	}
	if tok.LastUsedAt == nil || time.Since(*tok.LastUsedAt) > tokenTouchEvery {
		// For "last used" on /settings/apps; a failed write costs the
		// caller nothing, the next request tries again.
		_ = rs.db.TouchToken(ctx, tok.ID)
	}
	return c, nil
}

// tokenTouchEvery limits how often a token's last_used_at is written.
const tokenTouchEvery = 5 * time.Minute

// actAsBrand makes c act as the brand account id: checked on every
// request, so a removed member's token stops working at once, even before
// its revocation lands. The role is the member's current one, capped by
// the token's ceiling.
func (rs *Resolver) actAsBrand(ctx context.Context, c *Caller, id int64) error {
	acct, err := rs.db.AccountByID(ctx, id)
	if err != nil {
		return ErrUnauthorized
	}
	if acct.Suspended() {
		return ErrLoginDisabled
	}
	if c.User == nil || !acct.IsBrand {
		return ErrUnauthorized
	}
	role, err := rs.db.BrandRole(ctx, acct.ID, c.User.ID)
	if errors.Is(err, db.ErrNotMember) {
		return ErrUnauthorized
	}
	if err != nil {
		return err
	}
	if c.Token.RoleCeiling != "" {
		role = db.LesserBrandRole(role, c.Token.RoleCeiling)
	}
	c.Account, c.BrandRole = acct, role
	return nil
}

// Middleware resolves the bearer token when one is sent and puts the caller
// in the request's context. A bad token is refused at once (401, or 403 for
// a login that is disabled); no token means anonymous (endpoints decide).
func (rs *Resolver) Middleware(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			plain := BearerToken(r)
			if plain == "" || r.Method == http.MethodOptions {
				next.ServeHTTP(w, r)
				return
			}
			c, err := rs.Resolve(r.Context(), plain)
			if err != nil {
				render.APIError(w, r, log, err)
				return
			}
			ctx := With(r.Context(), c)
			if c.BrandRole != "" {
				// Everything done as the brand records this member (the
				// engine writes the audit trail in each change's transaction).
				ctx = activitypub.WithActingMemberRole(ctx, c.User.ID, c.BrandRole)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// Refusals of a scope, with Mastodon's wording.
var (
	errOutOfScope = &render.StatusError{Status: http.StatusForbidden, Msg: "This action is outside the authorized scopes"}
	errBrandRole  = &render.StatusError{Status: http.StatusForbidden, Msg: "Your role in this brand does not allow this action"}
)

// Allow reports whether the caller may do what scope covers: the token
// must grant the scope, and a token acting as a brand needs a role of at
// least BrandRoleFor(scope). It returns the 403 to answer otherwise.
func (c *Caller) Allow(scope string) error {
	if !scopes.Allows(c.Scopes, scope) {
		return errOutOfScope
	}
	if strings.HasPrefix(scope, "admin:") && !c.staffMay(scope) {
		return errOutOfScope
	}
	if c.BrandRole != "" && db.BrandRoleRank(c.BrandRole) < db.BrandRoleRank(BrandRoleFor(scope)) {
		return errBrandRole
	}
	return nil
}

// staffMay reports whether the person behind the caller may use an admin
// scope: by their own role (admin or moderator), never as a brand.
func (c *Caller) staffMay(scope string) bool {
	return c.User != nil && c.BrandRole == "" && c.Account != nil && c.Account.ID == c.User.AccountID &&
		scopes.RoleAllows(c.User.Role, scope)
}

// Permitted reports whether the caller's own role grants perm (Mastodon's
// role permission bits, scopes.Perm*), for admin actions finer than a scope.
func (c *Caller) Permitted(perm int64) bool {
	return c.User != nil && c.BrandRole == "" && scopes.RolePermissions(c.User.Role)&perm == perm
}

// BrandRoleFor is the least brand role that may use a scope: viewers read,
// editors write statuses and what goes with posting, owners everything else
// (profile, follows, blocks, lists, filters …).
func BrandRoleFor(scope string) string {
	if scope == "read" || strings.HasPrefix(scope, "read:") || scope == "profile" {
		return db.BrandViewer
	}
	switch scope {
	case "write:statuses", "write:media", "write:favourites", "write:bookmarks", "write:conversations", "write:notifications":
		return db.BrandEditor
	}
	return db.BrandOwner
}
