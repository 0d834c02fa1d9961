// Package server wires one Kontor instance together (config → db →
// activitypub → web) and owns its lifecycle: start, serve, graceful shutdown.
// cmd/kontor runs it; tests start several of them on loopback.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/mail"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/media/mediacache"
	"github.com/kontor-social/kontor/media/orphans"
	"github.com/kontor-social/kontor/metrics"
	"github.com/kontor-social/kontor/portability"
	"github.com/kontor-social/kontor/web"
	"github.com/kontor-social/kontor/web/streaming"
)

// Version is Kontor's version, reported in NodeInfo and the instance API.
var Version = "0.1.0"

// Server is a running instance.
type Server struct {
	Config *config.Config
	DB     *db.DB
	Engine *activitypub.Engine
	Log    *slog.Logger
	// Media is the one store of uploaded and cached files.
	Media media.Store
	// Orphans removes attachments nothing refers to (hourly).
	Orphans *orphans.Sweeper
	// RemoteMedia copies remote attachments into Media; nil unless
	// media_cache_remote is on.
	RemoteMedia *mediacache.Cache
	// Streaming fans committed changes out to streaming clients (and, on
	// PostgreSQL, to the other processes sharing the database).
	Streaming *streaming.Hub
	// Metrics are served on metrics_listen; nil when that is unset.
	Metrics *metrics.Set

	handler http.Handler
	http    *http.Server
}

// New opens and migrates the database and builds the instance. It does not
// listen yet.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, tune ...func(*activitypub.Options)) (*Server, error) {
	store, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	files, err := NewMediaStore(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	var m *metrics.Set
	if cfg.MetricsListen != "" {
		m = metrics.New()
		tune = append([]func(*activitypub.Options){func(o *activitypub.Options) { o.Metrics = m }}, tune...)
	}
	engine := NewEngine(cfg, store, files, log, tune...)
	if _, err := engine.EnsureInstanceActor(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("instance actor: %w", err)
	}
	if err := engine.SyncDomainBlocks(ctx, cfg.DomainBlocks); err != nil {
		store.Close()
		return nil, fmt.Errorf("domain blocks: %w", err)
	}
	hub := streaming.NewHub(streaming.HubOptions{DB: store, Logger: log})
	engine.SetEvents(hub)
	s := &Server{Config: cfg, DB: store, Engine: engine, Log: log, Media: files, Streaming: hub, Metrics: m,
		Orphans: orphans.New(orphans.Options{DB: store, Store: files, Logger: log})}
	if cfg.MediaCacheRemote {
		s.RemoteMedia = mediacache.New(mediacache.Options{
			DB: store, Store: files, Logger: log, MaxBytes: cfg.MediaRemoteMaxBytes, MaxImagePixels: cfg.MediaMaxImagePixels,
			Client: transport.New(transport.Options{
				Protocol: cfg.Protocol, AllowedNetworks: config.ParseNetworks(cfg.AllowedPrivateNetworks),
				UserAgent: userAgent(cfg), Timeout: mediaFetchTimeout,
			}),
		})
	}
	s.handler = web.NewHandler(web.Deps{Config: cfg, DB: store, Engine: engine, Media: files, Logger: log, Version: Version, Streaming: hub, Metrics: m})
	registerGauges(m, store, hub)
	return s, nil
}

// NewMediaStore opens the media store the configuration names: the local
// media_dir (served under /media/) or an S3-compatible bucket.
func NewMediaStore(cfg *config.Config) (media.Store, error) {
	if cfg.MediaStorage == config.MediaStorageS3 {
		s, err := media.NewS3Store(media.S3Config{
			Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, Bucket: cfg.S3Bucket,
			AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, UseSSL: cfg.S3UseSSL, PublicURL: cfg.S3PublicURL,
		})
		if err != nil {
			return nil, &config.Error{Key: "s3_endpoint", Msg: err.Error()}
		}
		return s, nil
	}
	s, err := media.NewLocalStore(cfg.MediaDir, cfg.BaseURL()+"/media")
	if err != nil {
		return nil, &config.Error{Key: "media_dir", Msg: err.Error()}
	}
	return s, nil
}

// NewEngine builds the protocol engine the configuration describes (the
// admin CLI uses it too, without starting its workers). files names the
// URLs of stored media.
func NewEngine(cfg *config.Config, store *db.DB, files media.Store, log *slog.Logger, tune ...func(*activitypub.Options)) *activitypub.Engine {
	o := activitypub.Options{
		DB:                  store,
		URLs:                activitypub.NewURLs(cfg.Protocol, cfg.Host, cfg.AccountDomain),
		Logger:              log,
		Protocol:            cfg.Protocol,
		AllowedNetworks:     config.ParseNetworks(cfg.AllowedPrivateNetworks),
		AuthorizedFetch:     cfg.AuthorizedFetch,
		AllowlistMode:       cfg.FederationMode == "allowlist",
		DeliveryConcurrency: cfg.DeliveryConcurrency,
		InboxWorkers:        cfg.InboxWorkers,
		MaxStatusCharacters: cfg.MaxStatusCharacters,
		UserAgent:           userAgent(cfg),
		MediaURL:            files.URL,
		Files:               files,
		InstanceTitle:       cfg.InstanceTitle,
	}
	if cfg.SMTPEnabled() {
		m, err := mail.New(mail.Config{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
		if err != nil {
			log.Error("notice mail disabled", "err", err)
		} else {
			o.Mailer = m
		}
	}
	for _, f := range tune {
		f(&o)
	}
	return activitypub.New(o)
}

// mediaFetchTimeout bounds the download of one remote attachment.
const mediaFetchTimeout = time.Minute

func userAgent(cfg *config.Config) string { return "Kontor/" + Version + " (+" + cfg.BaseURL() + "/)" }

// jobs are the background work besides the engine's workers.
func (s *Server) jobs() []func(context.Context) {
	jobs := []func(context.Context){s.Orphans.Run, analytics.NewJob(s.DB, s.Log).Run,
		(&portability.Runner{Engine: s.Engine, Files: s.Media, Log: s.Log}).Run}
	if s.RemoteMedia != nil {
		jobs = append(jobs, s.RemoteMedia.Run)
	}
	return jobs
}

// readyTimeout bounds how long Serve waits for the streaming bus.
const readyTimeout = 10 * time.Second

// Handler is the instance's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers HTTP on l until ctx is cancelled, then shuts down
// gracefully: in-flight requests finish (up to shutdown_timeout).
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		// Streaming handlers lift this deadline for their own connections
		// (http.ResponseController); everything else must finish within it.
		WriteTimeout: 120 * time.Second,
		IdleTimeout:  120 * time.Second,
		ErrorLog:     slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Streaming connections end when shutdown begins, or they would hold
	// it up until its timeout.
	s.http.RegisterOnShutdown(s.Streaming.Shutdown)
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	workersDone := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		wg.Go(func() { s.Streaming.Run(workCtx) })
		wg.Go(func() { s.Engine.Run(workCtx) })
		for _, job := range s.jobs() {
			wg.Go(func() { job(workCtx) })
		}
		wg.Wait()
		close(workersDone)
	}()
	// Connections wait in the listener's backlog until this node hears the
	// other nodes' streaming events, so none of them is missed; a bus that
	// stays down holds the start up only briefly (events resume when it
	// comes back).
	select {
	case <-s.Streaming.Ready():
	case <-time.After(readyTimeout):
		s.Log.Warn("streaming: not yet listening to the other nodes; serving anyway")
	case <-ctx.Done():
	}
	stopMetrics, err := s.serveMetrics()
	if err != nil {
		stopWork()
		<-workersDone
		return err
	}
	defer stopMetrics()
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(l) }()
	select {
	case err := <-errc:
		stopWork()
		<-workersDone
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownTimeout)
	defer cancel()
	err = s.http.Shutdown(shutdownCtx)
	// Requests are done; now the workers (deliveries in flight finish or
	// keep their rows for the next start).
	stopWork()
	select {
	case <-workersDone:
	case <-shutdownCtx.Done():
		s.Log.Warn("workers did not stop in time; their work resumes at the next start")
	}
	if errors.Is(<-errc, http.ErrServerClosed) && err == nil {
		return nil
	}
	return err
}

// Close releases the database.
func (s *Server) Close() error { return s.DB.Close() }
