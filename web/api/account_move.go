package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// Moving accounts, as GoToSocial's API has it: aliases (alsoKnownAs) on
// the new account, then the move from the old one, confirmed with the
// password. The rule (and the Move sent) is the engine's (move.go).

func (h *Handlers) accountMoveRoutes(r chi.Router) {
	r.Post("/accounts/alias", h.handler(h.accountAlias))
	r.Post("/accounts/move", h.handler(h.accountMove))
}

// accountAlias is POST /api/v1/accounts/alias (also_known_as_uris; an
// empty list clears the aliases): it answers the updated account.
func (h *Handlers) accountAlias(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	var uris []string
	for _, u := range p.Strings("also_known_as_uris") {
		if u = strings.TrimSpace(u); u != "" {
			uris = append(uris, u)
		}
	}
	a, err := h.DB.AccountByID(r.Context(), auth.Account.ID)
	if err != nil {
		return err
	}
	if err := h.Engine.SetAliases(r.Context(), a, uris); err != nil {
		return err
	}
	out, err := h.present.CredentialAccount(r.Context(), a, ownUser(auth))
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// accountMove is POST /api/v1/accounts/move (password, moved_to_uri):
// 202 once the move is made and the Move queued for the followers.
func (h *Handlers) accountMove(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	user := ownUser(auth)
	if user == nil {
		return apiErr(http.StatusForbidden, "Only the account's own user may move it")
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	target := strings.TrimSpace(p.String("moved_to_uri"))
	if target == "" {
		return fieldErr("moved_to_uri", "can't be blank")
	}
	if !db.CheckPassword(user, p.String("password")) {
		return apiErr(http.StatusUnauthorized, "Invalid password")
	}
	a, err := h.DB.AccountByID(r.Context(), auth.Account.ID)
	if err != nil {
		return err
	}
	if _, err := h.Engine.MoveAccount(r.Context(), a, target); err != nil {
		return err
	}
	render.JSON(w, http.StatusAccepted, map[string]string{"message": "accepted"})
	return nil
}
