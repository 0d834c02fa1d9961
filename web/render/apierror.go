package render

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// StatusError is an error answered with its HTTP status and a client-safe
// message, so handlers need not guess (internal causes stay in the logs).
type StatusError struct {
	Status int
	Msg    string
}

func (e *StatusError) Error() string { return e.Msg }

// APIError answers err the way the client API (Mastodon's and Kontor's)
// does: JSON {"error": …} with the status err calls for — a *StatusError
// its own, the engine's input errors 422, unknown records 404, refusals
// 403, conflicts 422. Unknown errors are logged and become 500 without
// details; a client that went away gets 499.
func APIError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var se *StatusError
	var inErr *activitypub.InputError
	var held *activitypub.HeldError
	switch {
	case errors.As(err, &held):
		// A change waiting for a brand owner's approval: stock apps show
		// the message; Kontor-aware ones read the draft.
		JSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": held.Error(), "kontor_draft_id": db.FormatID(held.Draft.ID), "kontor_draft_number": held.Draft.Number,
		})
	case errors.As(err, &se):
		JSON(w, se.Status, map[string]string{"error": se.Msg})
	case errors.As(err, &inErr):
		JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": inErr.Error()})
	case errors.Is(err, db.ErrNotFound):
		JSON(w, http.StatusNotFound, map[string]string{"error": "Record not found"})
	case errors.Is(err, activitypub.ErrForbidden):
		JSON(w, http.StatusForbidden, map[string]string{"error": "This action is not allowed"})
	case errors.Is(err, db.ErrConflict), errors.Is(err, db.ErrLimit):
		JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: " + err.Error()})
	case errors.Is(err, media.ErrBusy):
		// Images wait for their turn to be decoded; this one waited too long.
		w.Header().Set("Retry-After", "5")
		JSON(w, http.StatusServiceUnavailable, map[string]string{"error": "The server is busy processing images; try again in a few seconds"})
	case r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		JSON(w, 499, map[string]string{"error": "Client closed request"})
	default:
		log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		JSON(w, http.StatusInternalServerError, map[string]string{"error": "Internal server error"})
	}
}
