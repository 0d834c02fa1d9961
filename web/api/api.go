// Package api is the Mastodon client API: thin handlers that authenticate,
// read parameters, call the activitypub engine or a db query, and render
// Mastodon's entities.
package api

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Deps are what the API handlers need.
type Deps struct {
	Config *config.Config
	DB     *db.DB
	Engine *activitypub.Engine
	Media  media.Store // the one store of uploaded files (local or S3)
	// IPGate refuses no_access ranges in front of every route (the wiring
	// mounts it; the admin endpoints forget its ranges when they change).
	IPGate *IPGate
	// Presenter renders the entities and Tokens resolves access tokens
	// (both shared with web/streaming).
	Presenter *entity.Presenter
	Tokens    *auth.Resolver
	Logger    *slog.Logger
	Version   string
	// V1Extra registers routes of other packages below /api/v1 (web/oauth's
	// /apps), behind the same CORS, authentication and rate limits.
	V1Extra []func(chi.Router)
	// FiltersChanged is told when an account's filters change (the
	// streaming hub sends filters_changed and reloads them); may be nil.
	FiltersChanged func(accountID int64)
	// TokensRevoked is told after an admin action revoked tokens (suspend,
	// disable), so streaming ends their connections at once; may be nil.
	TokensRevoked func()
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
	// TokensRevoked is never nil (see Deps).
	TokensRevoked func()

	present *entity.Presenter
	tokens  *auth.Resolver
	ipGate  *IPGate
	// instanceBodies are the instance entities as last rendered.
	instanceBodies instanceBodies
}

// New returns the API handlers.
func New(d Deps) *Handlers {
	h := &Handlers{Config: d.Config, DB: d.DB, Engine: d.Engine, Media: d.Media, Log: d.Logger, Version: d.Version, V1Extra: d.V1Extra,
		FiltersChanged: d.FiltersChanged, TokensRevoked: d.TokensRevoked, present: d.Presenter, tokens: d.Tokens,
		ipGate: cmp.Or(d.IPGate, NewIPGate(d.DB))}
	if h.FiltersChanged == nil {
		h.FiltersChanged = func(int64) {}
	}
	if h.TokensRevoked == nil {
		h.TokensRevoked = func() {}
	}
	return h
}

// Routes mounts /api/v1 and /api/v2. Each group of endpoints registers its
// own routes from the file that implements it.
func (h *Handlers) Routes(r chi.Router) {
	r.Route("/api", func(r chi.Router) {
		r.Use(CORS)
		r.Use(h.tokens.Middleware(h.Log))
		r.Use(h.rateLimits()...)
		r.Get("/oembed", h.handler(h.oembed))
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
			if t := auth.BearerToken(r); t != "" {
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
			h.writeError(w, r, err)
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
