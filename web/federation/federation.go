// Package federation serves the server-to-server side: WebFinger, host-meta,
// NodeInfo, actors, inboxes, outboxes and collections. Handlers are thin:
// they parse, call the activitypub engine or a db query, and render.
package federation

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// Deps are what the federation handlers need.
type Deps struct {
	Config  *config.Config
	DB      *db.DB
	Engine  *activitypub.Engine
	Logger  *slog.Logger
	Version string
}

// Handlers serves federation endpoints.
type Handlers struct {
	Deps
	urls *activitypub.URLs
}

// New returns the federation handlers.
func New(d Deps) *Handlers {
	return &Handlers{Deps: d, urls: d.Engine.URLs()}
}

// HTMLPages renders the browser side of URLs that federation also serves.
type HTMLPages interface {
	Profile(w http.ResponseWriter, r *http.Request, a *db.Account)
	Status(w http.ResponseWriter, r *http.Request, a *db.Account)
}

// Routes mounts the federation endpoints. Actor URLs answer browsers with
// the HTML profile from pages.
func (h *Handlers) Routes(r chi.Router, pages HTMLPages) {
	r.Get("/.well-known/webfinger", h.webfinger)
	r.Get("/.well-known/host-meta", h.hostMeta)
	r.Get("/.well-known/nodeinfo", h.nodeinfoIndex)
	r.Get("/nodeinfo/{version}", h.nodeinfo)
	r.Get("/actor", h.instanceActor)
	r.Get("/actor/outbox", h.instanceActorOutbox)
	r.Get("/emojis/{id}", h.emoji)
	r.Post("/actor/inbox", h.inbox(true))
	r.Post("/inbox", h.inbox(true))
	r.Route("/users/{username}", func(r chi.Router) {
		r.Get("/", h.actor(pages))
		r.Post("/inbox", h.inbox(false))
		r.Get("/outbox", h.outbox)
		r.Get("/followers", h.followCollection(true))
		r.Get("/following", h.followCollection(false))
		r.Get("/collections/featured", h.featured)
		r.Get("/collections/tags", h.featuredTags)
		r.Get("/statuses/{id}", h.status(pages))
		r.Get("/statuses/{id}/activity", h.statusActivity)
		r.Get("/statuses/{id}/replies", h.replies)
		r.Get("/activities/{id}", h.activity)
	})
	// A status's web URL (its `url`, what people copy and paste into another
	// server's search) answers ActivityPub clients too, as on Mastodon.
	r.Get("/@{username}/{id}", h.statusPage(pages))
}

// localAccount loads the local account named in the URL, writing 404/410 itself.
func (h *Handlers) localAccount(w http.ResponseWriter, r *http.Request) (*db.Account, bool) {
	return h.localAccountBy(w, r, h.DB.LocalAccount)
}

// localAccountBy is localAccount looked up by lookup (the inbox's, kept in
// memory: it needs no counters).
func (h *Handlers) localAccountBy(w http.ResponseWriter, r *http.Request, lookup func(context.Context, string) (*db.Account, error)) (*db.Account, bool) {
	name := chi.URLParam(r, "username")
	if activitypub.ValidateUsername(name) != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	a, err := lookup(r.Context(), name)
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	if err != nil {
		h.Logger.Error("load account", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return nil, false
	}
	if a.Suspended() {
		render.Error(w, r, http.StatusGone, "Gone")
		return nil, false
	}
	return a, true
}

func (h *Handlers) actor(pages HTMLPages) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.localAccount(w, r)
		if !ok {
			return
		}
		w.Header().Add("Vary", "Accept")
		if !render.WantsActivity(r) {
			pages.Profile(w, r, a)
			return
		}
		h.writeActor(w, r, a)
	}
}

func (h *Handlers) instanceActor(w http.ResponseWriter, r *http.Request) {
	a, err := h.DB.LocalAccount(r.Context(), activitypub.InstanceActorUsername)
	if err != nil {
		h.Logger.Error("load instance actor", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	h.writeActor(w, r, a)
}

// instanceActorOutbox serves the outbox the instance actor advertises: it
// never posts, so it is empty (peers such as GoToSocial count it).
func (h *Handlers) instanceActorOutbox(w http.ResponseWriter, r *http.Request) {
	h.writeDoc(w, r, vocab.NewOrderedCollection(h.urls.InstanceActor()+"/outbox", 0), nil)
}

func (h *Handlers) writeActor(w http.ResponseWriter, r *http.Request, a *db.Account) {
	doc, err := h.Engine.RenderActor(r.Context(), a)
	if err == nil && h.Engine.AuthorizedFetch() && a.Username != activitypub.InstanceActorUsername {
		// Authorized fetch: unsigned requests get only what verifying a
		// signature needs (peers fetch keys unsigned); signed ones all of it.
		if _, verr := h.Engine.FetchViewer(r.Context(), r); verr != nil {
			doc = activitypub.KeyOnlyActor(doc)
			w.Header().Set("Vary", "Accept, Signature")
		}
	}
	if err != nil {
		h.Logger.Error("render actor", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	w.Header().Set("Cache-Control", "max-age=180, public")
	render.Activity(w, http.StatusOK, doc)
}
