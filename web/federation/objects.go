package federation

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// viewer works out who signed an ActivityPub GET, answering 401 itself
// when the signature is bad or authorized fetch requires one.
func (h *Handlers) viewer(w http.ResponseWriter, r *http.Request) (db.Viewer, bool) {
	v, err := h.Engine.FetchViewer(r.Context(), r)
	switch {
	case err == nil:
		return v, true
	case errors.Is(err, activitypub.ErrSignatureRequired):
		render.Error(w, r, http.StatusUnauthorized, "Request not signed")
	case errors.Is(err, activitypub.ErrForbidden):
		render.Error(w, r, http.StatusForbidden, "Forbidden")
	default:
		h.Logger.Info("refused signed GET", "path", r.URL.Path, "err", err)
		render.Error(w, r, http.StatusUnauthorized, "Signature verification failed")
	}
	return db.Anonymous, false
}

// writeDoc answers an ActivityPub document, or the error building it.
func (h *Handlers) writeDoc(w http.ResponseWriter, r *http.Request, doc *vocab.Object, err error) {
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	if err != nil {
		h.Logger.Error("render activitypub document", "path", r.URL.Path, "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	w.Header().Add("Vary", "Accept, Signature")
	if h.Engine.AuthorizedFetch() {
		w.Header().Set("Cache-Control", "private, max-age=60")
	} else {
		w.Header().Set("Cache-Control", "max-age=60, public")
	}
	render.Activity(w, http.StatusOK, doc)
}

func maxIDParam(r *http.Request) int64 {
	id, _ := db.ParseID(r.URL.Query().Get("max_id"))
	return id
}

// docBuilder builds the document of a local account for the signer of
// the request.
type docBuilder func(ctx context.Context, a *db.Account, v db.Viewer) (*vocab.Object, error)

// accountViewer is the URL's local account and the signer of the
// request; when ok is false it has answered.
func (h *Handlers) accountViewer(w http.ResponseWriter, r *http.Request) (a *db.Account, v db.Viewer, ok bool) {
	if a, ok = h.localAccount(w, r); !ok {
		return nil, db.Anonymous, false
	}
	v, ok = h.viewer(w, r)
	return a, v, ok
}

// accountDoc serves the document build makes of the URL's local account,
// for the signer of the request.
func (h *Handlers) accountDoc(w http.ResponseWriter, r *http.Request, build docBuilder) {
	a, v, ok := h.accountViewer(w, r)
	if !ok {
		return
	}
	doc, err := build(r.Context(), a, v)
	h.writeDoc(w, r, doc, err)
}

// statusDoc serves the document build makes of the URL's status of the
// URL's local account, when the signer of the request may see it.
func (h *Handlers) statusDoc(w http.ResponseWriter, r *http.Request, build func(ctx context.Context, s *db.Status, v db.Viewer) (*vocab.Object, error)) {
	a, v, ok := h.accountViewer(w, r)
	if !ok {
		return
	}
	s, ok := h.statusFor(w, r, a, v)
	if !ok {
		return
	}
	s.Account = a
	doc, err := build(r.Context(), s, v)
	h.writeDoc(w, r, doc, err)
}

func (h *Handlers) outbox(w http.ResponseWriter, r *http.Request) {
	h.accountDoc(w, r, func(ctx context.Context, a *db.Account, v db.Viewer) (*vocab.Object, error) {
		return h.Engine.OutboxCollection(ctx, a, v, r.URL.Query().Get("page") == "true", maxIDParam(r))
	})
}

func (h *Handlers) followCollection(followers bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.accountDoc(w, r, func(ctx context.Context, a *db.Account, _ db.Viewer) (*vocab.Object, error) {
			return h.Engine.FollowCollection(ctx, a, followers, r.URL.Query().Get("page") == "true", maxIDParam(r))
		})
	}
}

func (h *Handlers) featured(w http.ResponseWriter, r *http.Request) {
	h.accountDoc(w, r, h.Engine.FeaturedCollection)
}

func (h *Handlers) featuredTags(w http.ResponseWriter, r *http.Request) {
	h.accountDoc(w, r, h.Engine.FeaturedTagsCollection)
}

// statusFor loads the local status named in the URL for v: 404 when it does
// not exist or v may not see it, 410 when it was deleted.
func (h *Handlers) statusFor(w http.ResponseWriter, r *http.Request, a *db.Account, v db.Viewer) (*db.Status, bool) {
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	uri := h.urls.Status(a.Username, id)
	s, err := h.DB.StatusByURIFor(r.Context(), uri, v)
	if errors.Is(err, db.ErrNotFound) {
		if gone, _ := h.DB.IsTombstoned(r.Context(), uri); gone {
			render.Error(w, r, http.StatusGone, "Gone")
			return nil, false
		}
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	if err != nil {
		h.Logger.Error("load status", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return nil, false
	}
	if s.AccountID != a.ID {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	return s, true
}

// status serves a local status: its Note to ActivityPub clients, the HTML
// page to browsers.
func (h *Handlers) status(pages HTMLPages) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.localAccount(w, r)
		if !ok {
			return
		}
		w.Header().Add("Vary", "Accept")
		if !render.WantsActivity(r) {
			id := chi.URLParam(r, "id")
			http.Redirect(w, r, h.urls.Profile(a.Username)+"/"+id, http.StatusFound)
			return
		}
		h.writeNote(w, r, a)
	}
}

// statusPage serves GET /@{username}/{id}, a local status's web URL: its
// HTML page to browsers, and to ActivityPub clients the same Note as its id
// (GoToSocial and Mastodon resolve a pasted link by fetching it with an
// ActivityPub Accept).
func (h *Handlers) statusPage(pages HTMLPages) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.localAccount(w, r)
		if !ok {
			return
		}
		if !render.WantsActivity(r) {
			pages.Status(w, r, a)
			return
		}
		w.Header().Add("Vary", "Accept")
		h.writeNote(w, r, a)
	}
}

// writeNote writes the Note of a's status named in the URL, as the signer
// of the request may see it.
func (h *Handlers) writeNote(w http.ResponseWriter, r *http.Request, a *db.Account) {
	v, ok := h.viewer(w, r)
	if !ok {
		return
	}
	s, ok := h.statusFor(w, r, a, v)
	if !ok {
		return
	}
	if s.ReblogOfID != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	doc, err := h.Engine.NoteDocument(r.Context(), s, a)
	h.writeDoc(w, r, doc, err)
}

func (h *Handlers) statusActivity(w http.ResponseWriter, r *http.Request) {
	h.statusDoc(w, r, func(ctx context.Context, s *db.Status, _ db.Viewer) (*vocab.Object, error) {
		return h.Engine.StatusActivity(ctx, s)
	})
}

func (h *Handlers) replies(w http.ResponseWriter, r *http.Request) {
	h.statusDoc(w, r, h.Engine.RepliesCollection)
}

// activity serves a stored local activity by id (peers Accept a Follow by
// its id alone, so Follow ids must answer).
func (h *Handlers) activity(w http.ResponseWriter, r *http.Request) {
	a, ok := h.localAccount(w, r)
	if !ok {
		return
	}
	v, ok := h.viewer(w, r)
	if !ok {
		return
	}
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	body, err := h.Engine.ActivityForViewer(r.Context(), h.urls.Activity(a.Username, id), v)
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	if err != nil {
		h.Logger.Error("load activity", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	w.Header().Set("Content-Type", render.ActivityType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
