package api

import (
	"context"
	"net/http"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// The caller of a request, as the token middleware (web/auth) left it in
// the context, checked against what an endpoint needs.

// require returns the caller if it has a user and the scope; it writes 401
// or 403 itself otherwise.
func (h *Handlers) require(w http.ResponseWriter, r *http.Request, scope string) (*auth.Caller, bool) {
	a := auth.From(r.Context())
	if a == nil || a.Account == nil {
		render.APIError(w, r, h.Log, auth.ErrUnauthorized)
		return nil, false
	}
	if err := a.Allow(scope); err != nil {
		render.APIError(w, r, h.Log, err)
		return nil, false
	}
	return a, true
}

// requireID is require, then the path's "id": when ok is false the
// handler returns err (nil when require has already answered).
func (h *Handlers) requireID(w http.ResponseWriter, r *http.Request, scope string) (a *auth.Caller, id int64, ok bool, err error) {
	if a, ok = h.require(w, r, scope); !ok {
		return nil, 0, false, nil
	}
	if id, err = pathID(r, "id"); err != nil {
		return nil, 0, false, err
	}
	return a, id, true, nil
}

// optional returns the caller when there is one with the scope (reads that
// also work anonymously); a token without the scope is 403.
func (h *Handlers) optional(w http.ResponseWriter, r *http.Request, scope string) (*auth.Caller, bool) {
	a := auth.From(r.Context())
	if a == nil || a.Account == nil {
		return nil, true
	}
	if err := a.Allow(scope); err != nil {
		render.APIError(w, r, h.Log, err)
		return nil, false
	}
	return a, true
}

// viewerID is the account ID of the caller, 0 when anonymous.
func viewerID(a *auth.Caller) int64 { return a.AccountID() }

// requireAny is require for endpoints that accept any of several scopes
// (verify_credentials: read:accounts or profile).
func (h *Handlers) requireAny(w http.ResponseWriter, r *http.Request, wanted ...string) (*auth.Caller, bool) {
	if a := auth.From(r.Context()); a != nil && a.Account != nil {
		for _, s := range wanted {
			if a.Allow(s) == nil {
				return a, true
			}
		}
	}
	return h.require(w, r, wanted[0]) // writes the 401 or 403
}

// ownUser is the login behind the caller's account, or nil (a brand
// account acted as by a member has no settings of its own here).
func ownUser(a *auth.Caller) *db.User {
	if a.User != nil && a.Account != nil && a.User.AccountID == a.Account.ID {
		return a.User
	}
	return nil
}

// requireOwn is requireID, then what load finds of the caller's under the
// path's id (db.ErrNotFound, a 404, for anyone else's): when ok is false
// the handler returns err.
func requireOwn[T any](h *Handlers, w http.ResponseWriter, r *http.Request, scope string,
	load func(ctx context.Context, ownerID, id int64) (T, error)) (a *auth.Caller, v T, ok bool, err error) {
	a, id, ok, err := h.requireID(w, r, scope)
	if !ok {
		return nil, v, false, err
	}
	if v, err = load(r.Context(), a.Account.ID, id); err != nil {
		return nil, v, false, err
	}
	return a, v, true, nil
}

// deleteOwn is an endpoint that deletes, with del, the caller's record of
// the path's id, and answers {}.
func (h *Handlers) deleteOwn(scope string, del func(ctx context.Context, ownerID, id int64) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, id, ok, err := h.requireID(w, r, scope)
		if !ok {
			return err
		}
		if err := del(r.Context(), a.Account.ID, id); err != nil {
			return err
		}
		render.JSON(w, http.StatusOK, struct{}{})
		return nil
	}
}

// renderFirst answers the one entity a batch presenter rendered (404 when
// it left it out: the viewer may not see it).
func renderFirst[T any](w http.ResponseWriter, list []T, err error) error {
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return errNotFound
	}
	render.JSON(w, http.StatusOK, list[0])
	return nil
}

// showOwn is an endpoint answering the caller's record of the path's id
// (loaded by load, 404 for anyone else's) as present renders it.
func showOwn[T, E any](h *Handlers, scope string, load func(ctx context.Context, ownerID, id int64) (T, error), present func(T) E) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, v, ok, err := requireOwn(h, w, r, scope, load)
		if !ok {
			return err
		}
		render.JSON(w, http.StatusOK, present(v))
		return nil
	}
}
