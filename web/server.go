// Package web is Kontor's HTTP layer: the chi router, middleware and the
// handlers of federation, the Mastodon client API, OAuth, streaming and pages.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/brands"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/metrics"
	"github.com/kontor-social/kontor/web/api"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/federation"
	"github.com/kontor-social/kontor/web/middleware"
	"github.com/kontor-social/kontor/web/oauth"
	"github.com/kontor-social/kontor/web/pages"
	"github.com/kontor-social/kontor/web/render"
	"github.com/kontor-social/kontor/web/static"
	"github.com/kontor-social/kontor/web/streaming"
)

// Deps are what the handlers need.
type Deps struct {
	Config  *config.Config
	DB      *db.DB
	Engine  *activitypub.Engine
	Media   media.Store // uploaded and cached files
	Logger  *slog.Logger
	Version string
	// Streaming is the hub of the streaming API (nil: no streaming).
	Streaming *streaming.Hub
	// Metrics counts requests (nil: no metrics).
	Metrics *metrics.Set
}

// NewHandler builds the whole HTTP handler of an instance.
func NewHandler(d Deps) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.FreshReads)
	r.Use(middleware.ForwardedHost(config.ParseNetworks(d.Config.TrustedProxies)))
	r.Use(middleware.RealIP(config.ParseNetworks(d.Config.TrustedProxies)))
	r.Use(middleware.Logger(d.Logger))
	r.Use(middleware.Metrics(d.Metrics))
	r.Use(middleware.Recoverer(d.Logger))
	r.Use(middleware.LimitBody(d.Config.MaxRequestBytes))
	r.Use(middleware.RefuseNUL)
	ipGate := api.NewIPGate(d.DB)
	r.Use(ipGate.Refuse)

	r.Get("/healthz", healthz(d.DB))

	fed := federation.New(federation.Deps{Config: d.Config, DB: d.DB, Engine: d.Engine, Logger: d.Logger, Version: d.Version})
	pg := pages.New(pages.Deps{Config: d.Config, DB: d.DB, Engine: d.Engine, Logger: d.Logger})
	fed.Routes(r, pg)
	pg.Routes(r)
	r.Handle("/static/*", static.Handler())
	// A local store serves its files here (long caching, nosniff, a CSP
	// that allows nothing); S3 files are served from s3_public_url.
	if files, ok := d.Media.(http.Handler); ok {
		r.Handle("/media/*", http.StripPrefix("/media/", files))
	}

	tokens := auth.NewResolver(d.DB)
	// Revoked tokens lose their push subscriptions and their streams at once.
	tokensRevoked := d.Engine.PushTokensRevoked
	if d.Streaming != nil {
		tokensRevoked = func() {
			d.Streaming.TokensRevoked()
			d.Engine.PushTokensRevoked()
		}
	}
	oauthDeps := oauth.Deps{Config: d.Config, DB: d.DB, Engine: d.Engine, Tokens: tokens, Logger: d.Logger, CORS: api.CORS,
		TokensRevoked: tokensRevoked}
	oauthHandlers := oauth.New(oauthDeps)
	oauthHandlers.Routes(r)
	pg.Analytics(analytics.New(d.DB), oauthHandlers.SessionUser).Routes(r)
	brandPages := pg.Brands(brands.New(d.DB, d.Engine), oauthHandlers)
	pg.Portability(oauthHandlers, d.Media).Routes(r)

	present := entity.New(entity.Deps{DB: d.DB, MediaURL: d.Engine.MediaURL, MediaPreviewURL: d.Engine.MediaPreviewURL,
		TagURL: d.Engine.URLs().Tag, BaseURL: d.Config.BaseURL(), Logger: d.Logger})
	apiDeps := api.Deps{Config: d.Config, DB: d.DB, Engine: d.Engine, Media: d.Media, IPGate: ipGate, Presenter: present, Tokens: tokens, Logger: d.Logger,
		Version: d.Version, V1Extra: []func(chi.Router){oauthHandlers.AppRoutes}, TokensRevoked: tokensRevoked}
	if d.Streaming != nil {
		apiDeps.FiltersChanged = d.Streaming.FiltersChanged
	}
	apiHandlers := api.New(apiDeps)
	workspace := pg.Workspace(oauthHandlers, present, brands.New(d.DB, d.Engine))
	workspace.Upload, workspace.Search, workspace.UpdateProfile = apiHandlers.UploadFile, apiHandlers.Search, apiHandlers.UpdateProfile
	workspace.Admin = apiHandlers
	brandPages.UpdateProfile = apiHandlers.UpdateBrandProfile
	brandPages.Routes(r)
	workspace.Routes(r)
	workspace.EmojiAdmin(d.Media).Routes(r)
	if d.Streaming != nil {
		st := streaming.New(streaming.Deps{Hub: d.Streaming, Presenter: present, Tokens: tokens, Logger: d.Logger})
		apiHandlers.V1Extra = append(apiHandlers.V1Extra, st.Routes)
	}
	apiHandlers.Routes(r)

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		render.Error(w, r, http.StatusNotFound, "Not found")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		render.Error(w, r, http.StatusMethodNotAllowed, "Method not allowed")
	})
	return r
}

func healthz(store *db.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := store.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unavailable\n"))
			return
		}
		w.Write([]byte("OK\n"))
	}
}
