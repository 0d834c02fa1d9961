package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/web/render"
)

// Error is an API error with its HTTP status and a client-safe message.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Errors with fixed wording, as Mastodon answers them.
var (
	errNotFound     = &Error{http.StatusNotFound, "Record not found"}
	errUnauthorized = &Error{http.StatusUnauthorized, "The access token is invalid"}
	errForbidden    = &Error{http.StatusForbidden, "This action is not allowed"}
)

// fieldErr is a 422 naming the offending field.
func fieldErr(field, msg string) error {
	return &Error{http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: %s %s", field, msg)}
}

// unprocessable is a 422 with a free message.
func unprocessable(format string, args ...any) error {
	return &Error{http.StatusUnprocessableEntity, fmt.Sprintf(format, args...)}
}

// badRequest is a 400.
func badRequest(format string, args ...any) error {
	return &Error{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// WriteError answers err as JSON {"error": …} with the status it calls for;
// unknown errors are logged and become 500 without details.
func (h *Handlers) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *Error
	var inErr *activitypub.InputError
	switch {
	case errors.As(err, &apiErr):
		render.JSON(w, apiErr.Status, map[string]string{"error": apiErr.Msg})
	case errors.As(err, &inErr):
		render.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": inErr.Error()})
	case errors.Is(err, db.ErrNotFound):
		render.JSON(w, http.StatusNotFound, map[string]string{"error": errNotFound.Msg})
	case errors.Is(err, activitypub.ErrForbidden):
		render.JSON(w, http.StatusForbidden, map[string]string{"error": errForbidden.Msg})
	case errors.Is(err, errTooLarge):
		render.JSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "Request body too large"})
	case errors.Is(err, errBadBody):
		render.JSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	case errors.Is(err, media.ErrBusy):
		// Images wait for their turn to be decoded; this one waited too long.
		w.Header().Set("Retry-After", "5")
		render.JSON(w, http.StatusServiceUnavailable, map[string]string{"error": "The server is busy processing images; try again in a few seconds"})
	case errors.Is(err, db.ErrLimit):
		render.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: " + err.Error()})
	case errors.Is(err, db.ErrConflict):
		render.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: " + err.Error()})
	case r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		render.JSON(w, 499, map[string]string{"error": "Client closed request"})
	default:
		h.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		render.JSON(w, http.StatusInternalServerError, map[string]string{"error": "Internal server error"})
	}
}
