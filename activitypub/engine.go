package activitypub

import (
	"log/slog"

	"github.com/kontor-social/kontor/db"
)

// Engine is the protocol engine of one instance: the store, the URL layout
// and (as federation grows) the Inbox, Outbox, delivery and resolver.
type Engine struct {
	db   *db.DB
	urls *URLs
	log  *slog.Logger
}

// Options are the settings of an Engine.
type Options struct {
	DB     *db.DB
	URLs   *URLs
	Logger *slog.Logger
}

// New builds an Engine.
func New(o Options) *Engine {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Engine{db: o.DB, urls: o.URLs, log: log}
}

// URLs is the URL builder of the instance.
func (e *Engine) URLs() *URLs { return e.urls }

// DB is the store.
func (e *Engine) DB() *db.DB { return e.db }
