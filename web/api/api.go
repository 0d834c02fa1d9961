// Package api is the Mastodon client API: thin handlers that authenticate,
// read parameters, call the activitypub engine or a db query, and render
// Mastodon's entities.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Deps are what the API handlers need.
type Deps struct {
	Config *config.Config
	DB     *db.DB
	Engine *activitypub.Engine
	Media  media.Store // the one store of uploaded files (local or S3)
	// Presenter renders the entities (shared with web/streaming).
	Presenter *entity.Presenter
	Logger    *slog.Logger
	Version   string
	// V1Extra registers routes of other packages below /api/v1 (web/oauth's
	// /apps), behind the same CORS, authentication and rate limits.
	V1Extra []func(chi.Router)
	// FiltersChanged is told when an account's filters change (the
	// streaming hub sends filters_changed and reloads them); may be nil.
	FiltersChanged func(accountID int64)
}

// Handlers serves the Mastodon client API.
type Handlers struct {
	Config  *config.Config
	DB      *db.DB
	Engine  *activitypub.Engine
	Media   media.Store
	Log     *slog.Logger
	Version string
	V1Extra []func(chi.Router)
	// FiltersChanged must be called after an account's filters change
	// (never nil).
	FiltersChanged func(accountID int64)

	present *entity.Presenter
}

// New returns the API handlers.
func New(d Deps) *Handlers {
	h := &Handlers{Config: d.Config, DB: d.DB, Engine: d.Engine, Media: d.Media, Log: d.Logger, Version: d.Version, V1Extra: d.V1Extra,
		FiltersChanged: d.FiltersChanged, present: d.Presenter}
	if h.FiltersChanged == nil {
		h.FiltersChanged = func(int64) {}
	}
	return h
}

// Routes mounts /api/v1 and /api/v2. Each group of endpoints registers its
// own routes from the file that implements it.
func (h *Handlers) Routes(r chi.Router) {
	r.Route("/api", func(r chi.Router) {
		r.Use(CORS)
		r.Use(h.authenticate)
		r.Use(h.rateLimits()...)
		r.Route("/v1", func(r chi.Router) {
			for _, register := range h.v1Groups() {
				register(r)
			}
			for _, register := range h.V1Extra {
				register(r)
			}
		})
		r.Route("/v2", func(r chi.Router) {
			for _, register := range h.v2Groups() {
				register(r)
			}
		})
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			render.JSON(w, http.StatusNotFound, map[string]string{"error": "Not found"})
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			render.JSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "Method not allowed"})
		})
	})
}

// CORS lets browser clients (Elk, Phanpy) call the API: any origin, the
// headers they send, and the headers they must read (Link for paging).
func CORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Expose-Headers", "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id, Idempotency-Key")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				hd.Set("Access-Control-Allow-Headers", req)
			} else {
				hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key")
			}
			hd.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Auth is the authenticated caller of a request.
type Auth struct {
	Token   *db.Token
	Account *db.Account // the identity acted as (a brand for brand tokens)
	User    *db.User    // the person (for brand tokens, the member)
	Scopes  []string
	// BrandRole is set when the token acts as a brand: the member's current
	// role, capped by the role the token was issued with.
	BrandRole string
}

type authKey struct{}

// AuthFrom returns the caller, or nil for anonymous requests.
func AuthFrom(ctx context.Context) *Auth {
	a, _ := ctx.Value(authKey{}).(*Auth)
	return a
}

// WithAuth puts a caller in a context (streaming reuses it).
func WithAuth(ctx context.Context, a *Auth) context.Context {
	return context.WithValue(ctx, authKey{}, a)
}

// BearerToken extracts the access token: Authorization: Bearer, or the
// access_token query parameter (streaming clients use it).
func BearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.URL.Query().Get("access_token")
}

// errLoginDisabled: the user exists but may not use the API (unconfirmed,
// unapproved, disabled, suspended).
var errLoginDisabled = &Error{http.StatusForbidden, "Your login is currently disabled"}

// ResolveToken turns an access token into a caller.
func (h *Handlers) ResolveToken(ctx context.Context, plain string) (*Auth, error) {
	tok, err := h.DB.TokenByPlaintext(ctx, plain)
	if errors.Is(err, db.ErrNotFound) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	a := &Auth{Token: tok, Scopes: strings.Fields(tok.Scopes)}
	if tok.UserID != nil {
		u, err := h.DB.UserByID(ctx, *tok.UserID)
		if errors.Is(err, db.ErrNotFound) {
			return nil, errUnauthorized
		}
		if err != nil {
			return nil, err
		}
		if u.Disabled || !u.Approved || u.ConfirmedAt == nil || u.Account.Suspended() {
			return nil, errLoginDisabled
		}
		a.User = u
		a.Account = u.Account
	}
	if tok.AccountID != nil && (a.Account == nil || *tok.AccountID != a.Account.ID) {
		acct, err := h.DB.AccountByID(ctx, *tok.AccountID)
		if err != nil {
			return nil, errUnauthorized
		}
		if acct.Suspended() {
			return nil, errLoginDisabled
		}
		if a.User == nil || !acct.IsBrand {
			return nil, errUnauthorized
		}
		// Acting as a brand: checked on every request, so a removed member's
		// token stops working at once even before its revocation lands.
		role, err := h.DB.BrandRole(ctx, acct.ID, a.User.ID)
		if errors.Is(err, db.ErrNotMember) {
			return nil, errUnauthorized
		}
		if err != nil {
			return nil, err
		}
		if tok.RoleCeiling != "" {
			role = db.LesserBrandRole(role, tok.RoleCeiling)
		}
		a.Account, a.BrandRole = acct, role
	}
	return a, nil
}

// brandRoleFor is the least brand role that may use a scope: viewers read,
// editors write statuses and what goes with posting, owners everything else
// (profile, follows, blocks, lists, filters …).
func brandRoleFor(scope string) string {
	if scope == "read" || strings.HasPrefix(scope, "read:") || scope == "profile" {
		return db.BrandViewer
	}
	switch scope {
	case "write:statuses", "write:media", "write:favourites", "write:bookmarks", "write:conversations", "write:notifications":
		return db.BrandEditor
	}
	return db.BrandOwner
}

// authenticate resolves the bearer token when one is sent. A bad token is
// 401 at once; no token means anonymous (endpoints decide).
func (h *Handlers) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plain := BearerToken(r)
		if plain == "" || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		a, err := h.ResolveToken(r.Context(), plain)
		if err != nil {
			h.WriteError(w, r, err)
			return
		}
		ctx := WithAuth(r.Context(), a)
		if a.BrandRole != "" {
			// Everything done as the brand records this member (the
			// engine writes the audit trail in each change's transaction).
			ctx = activitypub.WithActingMember(ctx, a.User.ID)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// require returns the caller if it has a user and the scope; it writes 401
// or 403 itself otherwise.
func (h *Handlers) require(w http.ResponseWriter, r *http.Request, scope string) (*Auth, bool) {
	a := AuthFrom(r.Context())
	if a == nil || a.Account == nil {
		render.JSON(w, http.StatusUnauthorized, map[string]string{"error": "The access token is invalid"})
		return nil, false
	}
	if !scopes.Allows(a.Scopes, scope) {
		render.JSON(w, http.StatusForbidden, map[string]string{"error": "This action is outside the authorized scopes"})
		return nil, false
	}
	if a.BrandRole != "" && db.BrandRoleRank(a.BrandRole) < db.BrandRoleRank(brandRoleFor(scope)) {
		render.JSON(w, http.StatusForbidden, map[string]string{"error": "Your role in this brand does not allow this action"})
		return nil, false
	}
	return a, true
}

// requireID is require, then the path's "id": when ok is false the
// handler returns err (nil when require has already answered).
func (h *Handlers) requireID(w http.ResponseWriter, r *http.Request, scope string) (a *Auth, id int64, ok bool, err error) {
	if a, ok = h.require(w, r, scope); !ok {
		return nil, 0, false, nil
	}
	if id, err = pathID(r, "id"); err != nil {
		return nil, 0, false, err
	}
	return a, id, true, nil
}

// optional returns the caller when there is one with the scope (reads that
// also work anonymously); a token without the scope is 403.
func (h *Handlers) optional(w http.ResponseWriter, r *http.Request, scope string) (*Auth, bool) {
	a := AuthFrom(r.Context())
	if a == nil || a.Account == nil {
		return nil, true
	}
	if !scopes.Allows(a.Scopes, scope) {
		render.JSON(w, http.StatusForbidden, map[string]string{"error": "This action is outside the authorized scopes"})
		return nil, false
	}
	if a.BrandRole != "" && db.BrandRoleRank(a.BrandRole) < db.BrandRoleRank(brandRoleFor(scope)) {
		render.JSON(w, http.StatusForbidden, map[string]string{"error": "Your role in this brand does not allow this action"})
		return nil, false
	}
	return a, true
}

// viewerID is the account ID of the caller, 0 when anonymous.
func viewerID(a *Auth) int64 {
	if a == nil || a.Account == nil {
		return 0
	}
	return a.Account.ID
}

// rateLimits are per token (anonymous callers: per IP at the same rate) and
// per IP overall, with X-RateLimit-* headers.
func (h *Handlers) rateLimits() []func(http.Handler) http.Handler {
	clientIP := func(r *http.Request) string {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	var out []func(http.Handler) http.Handler
	if n := h.Config.APIRateLimit; n > 0 {
		out = append(out, httprate.LimitBy(n, 5*time.Minute, func(r *http.Request) (string, error) {
			if t := BearerToken(r); t != "" {
				sum := sha256.Sum256([]byte(t))
				return "t:" + hex.EncodeToString(sum[:8]), nil
			}
			return "a:" + clientIP(r), nil
		}, httprate.WithLimitHandler(tooManyRequests)))
	}
	if n := h.Config.APIRateLimitIP; n > 0 {
		out = append(out, httprate.LimitBy(n, 5*time.Minute, func(r *http.Request) (string, error) {
			return "ip:" + clientIP(r), nil
		}, httprate.WithLimitHandler(tooManyRequests)))
	}
	return out
}

func tooManyRequests(w http.ResponseWriter, r *http.Request) {
	render.JSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
}

// handler adapts a handler that returns an error.
func (h *Handlers) handler(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.WriteError(w, r, err)
		}
	}
}

// pathID reads an ID URL parameter (404 when malformed, as for unknown IDs).
func pathID(r *http.Request, name string) (int64, error) {
	id, ok := db.ParseID(chi.URLParam(r, name))
	if !ok {
		return 0, errNotFound
	}
	return id, nil
}

func ptr[T any](v T) *T { return &v }
