package oauth

import (
	"errors"
	"net/http"

	"github.com/kontor-social/kontor/db"
)

func (h *Handlers) passwordPage(w http.ResponseWriter, r *http.Request) {
	u, _, ok := h.settingsUser(w, r, "/settings/password")
	if !ok {
		return
	}
	h.settingsPage(w, r, http.StatusOK, pagePassword, u, map[string]any{"Notice": r.URL.Query().Get("done")})
}

// changePassword is POST /settings/password: the current password and the
// new one twice. The person's other sessions end (whoever else knew the
// old password is signed out); this one and the apps stay.
func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	u, s, ok := h.settingsForm(w, r, "/settings/password")
	if !ok {
		return
	}
	again := func(status int, msg string) {
		h.settingsPage(w, r, status, pagePassword, u, map[string]any{"Error": msg})
	}
	current, password := r.PostFormValue("current_password"), r.PostFormValue("password")
	switch {
	case u.PasswordHash == "":
		again(http.StatusForbidden, "Your account signs in through single sign-on and has no password here.")
		return
	case !db.CheckPassword(u, current):
		again(http.StatusUnprocessableEntity, "Your current password is not correct.")
		return
	case password != r.PostFormValue("password_confirmation"):
		again(http.StatusUnprocessableEntity, "The new password and its confirmation differ.")
		return
	}
	err := h.DB.ChangePassword(r.Context(), u.ID, password, s.IDHash)
	if errors.Is(err, db.ErrWeakPassword) {
		again(http.StatusUnprocessableEntity, "The new password must be 8 to 72 characters long.")
		return
	} else if err != nil {
		h.internalError(w, r, "change password", err)
		return
	}
	http.Redirect(w, r, "/settings/password?done=changed", http.StatusSeeOther)
}
