package activitypub

import (
	"errors"
	"fmt"

	"github.com/kontor-social/kontor/db"
)

// ErrNotFound: the thing acted on does not exist or is not visible to the actor.
var ErrNotFound = db.ErrNotFound

// ErrForbidden: the actor may not do this (boost a private post, follow
// someone who blocks them …).
var ErrForbidden = errors.New("this action is not allowed")

// InputError is a request the engine refuses because of one field (or,
// without Field, of the request as a whole); the API answers 422 with the
// message.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return "Validation failed: " + e.Msg
	}
	return fmt.Sprintf("Validation failed: %s %s", e.Field, e.Msg)
}

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// RejectError is an incoming activity refused with an HTTP status (the
// inbox answers it): 400 malformed, 401 bad signature, 403 blocked or not
// entitled.
type RejectError struct {
	Status int
	Reason string
}

func (e *RejectError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Reason) }

func reject(status int, format string, args ...any) error {
	return &RejectError{Status: status, Reason: fmt.Sprintf(format, args...)}
}
