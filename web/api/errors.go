package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kontor-social/kontor/web/render"
)

// Errors are answered by render.APIError, the one table of error kinds to
// HTTP statuses shared with streaming.

// apiErr is an error answered with status and a client-safe message.
func apiErr(status int, msg string) error { return &render.StatusError{Status: status, Msg: msg} }

// Errors with fixed wording, as Mastodon answers them.
var (
	errNotFound  = apiErr(http.StatusNotFound, "Record not found")
	errForbidden = apiErr(http.StatusForbidden, "This action is not allowed")
	// errTooLarge is a body over the size limit.
	errTooLarge = apiErr(http.StatusRequestEntityTooLarge, "Request body too large")
	// errBadBody marks a body that cannot be parsed (400): wrapped with the
	// details, which are the answer's message.
	errBadBody = errors.New("could not parse the request body")
)

// fieldErr is a 422 naming the offending field.
func fieldErr(field, msg string) error {
	return apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: %s %s", field, msg))
}

// unprocessable is a 422 with a free message.
func unprocessable(format string, args ...any) error {
	return apiErr(http.StatusUnprocessableEntity, fmt.Sprintf(format, args...))
}

// badRequest is a 400.
func badRequest(format string, args ...any) error {
	return apiErr(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// writeError answers err (render.APIError, after the API's own body errors).
func (h *Handlers) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errBadBody) {
		err = apiErr(http.StatusBadRequest, err.Error())
	}
	render.APIError(w, r, h.Log, err)
}
