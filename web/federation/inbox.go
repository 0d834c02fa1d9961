package federation

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// inbox receives activities: POST /inbox (shared) and /users/{u}/inbox.
func (h *Handlers) inbox(shared bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var recipient *db.Account
		if !shared {
			a, ok := h.localAccountBy(w, r, h.DB.LocalActor)
			if !ok {
				return
			}
			recipient = a
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil ||
			mt != "application/activity+json" && mt != "application/ld+json" && mt != "application/json" {
			render.Error(w, r, http.StatusUnsupportedMediaType, "Content-Type must be application/activity+json")
			return
		}
		limit := h.Config.InboxMaxBytes
		if r.ContentLength > limit {
			render.Error(w, r, http.StatusRequestEntityTooLarge, "Activity too large")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				render.Error(w, r, http.StatusRequestEntityTooLarge, "Activity too large")
				return
			}
			render.Error(w, r, http.StatusBadRequest, "Could not read the body")
			return
		}
		if int64(len(body)) > limit {
			render.Error(w, r, http.StatusRequestEntityTooLarge, "Activity too large")
			return
		}
		err = h.Engine.Receive(r.Context(), r, body, recipient)
		var rej *activitypub.RejectError
		switch {
		case err == nil:
			w.WriteHeader(http.StatusAccepted)
		case errors.As(err, &rej):
			render.Error(w, r, rej.Status, rej.Reason)
		default:
			h.Logger.Error("inbox", "err", err)
			render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		}
	}
}
