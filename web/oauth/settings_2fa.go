package oauth

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
)

// /settings/2fa: turn two-factor authentication on (a QR code to scan, a
// code to confirm, recovery codes shown once) or off (with a code).

func (h *Handlers) twoFactorRoutes(r chi.Router) {
	r.Get("/settings/2fa", h.twoFactorPage)
	r.Post("/settings/2fa/setup", h.twoFactorSetup)
	r.Post("/settings/2fa/confirm", h.twoFactorConfirm)
	r.Post("/settings/2fa/disable", h.twoFactorDisable)
}

func (h *Handlers) twoFactorPage(w http.ResponseWriter, r *http.Request) {
	u, _, ok := h.settingsUser(w, r, "/settings/2fa")
	if !ok {
		return
	}
	h.twoFactorStatus(w, r, http.StatusOK, u, map[string]any{"Notice": r.URL.Query().Get("done")})
}

// twoFactorStatus renders the page: on (with the recovery codes left) or off.
func (h *Handlers) twoFactorStatus(w http.ResponseWriter, r *http.Request, status int, u *db.User, data map[string]any) {
	if u.OTPSecret != "" {
		left, err := h.DB.RecoveryCodesLeft(r.Context(), u.ID)
		if err != nil {
			h.internalError(w, r, "settings 2fa", err)
			return
		}
		data["Enabled"], data["CodesLeft"] = true, left
	}
	h.settingsPage(w, r, status, page2FA, u, data)
}

// twoFactorSetup is POST /settings/2fa/setup: a new secret, kept pending
// until a code of it comes back, shown as a QR code and as text.
func (h *Handlers) twoFactorSetup(w http.ResponseWriter, r *http.Request) {
	u, _, ok := h.settingsForm(w, r, "/settings/2fa")
	if !ok {
		return
	}
	if u.PasswordHash == "" || u.OTPSecret != "" {
		http.Redirect(w, r, "/settings/2fa", http.StatusSeeOther)
		return
	}
	secret := newOTPSecret()
	if err := h.DB.SetPendingOTPSecret(r.Context(), u.ID, secret); err != nil {
		h.internalError(w, r, "settings 2fa", err)
		return
	}
	h.twoFactorEnrol(w, r, http.StatusOK, u, secret, "")
}

// twoFactorEnrol renders the scan-and-confirm step for a pending secret.
func (h *Handlers) twoFactorEnrol(w http.ResponseWriter, r *http.Request, status int, u *db.User, secret, errMsg string) {
	key, err := h.otpKey(u, secret)
	if err != nil {
		h.internalError(w, r, "settings 2fa", err)
		return
	}
	qr, err := qrDataURL(key)
	if err != nil {
		h.internalError(w, r, "settings 2fa", err)
		return
	}
	h.settingsPage(w, r, status, page2FA, u, map[string]any{"Enrol": true, "QR": qr, "Secret": secret, "Error": errMsg})
}

// twoFactorConfirm is POST /settings/2fa/confirm: a right code of the
// pending secret turns two-factor on and shows the recovery codes, once.
func (h *Handlers) twoFactorConfirm(w http.ResponseWriter, r *http.Request) {
	u, _, ok := h.settingsForm(w, r, "/settings/2fa")
	if !ok {
		return
	}
	secret := u.OTPPendingSecret
	if secret == "" || u.OTPSecret != "" {
		http.Redirect(w, r, "/settings/2fa", http.StatusSeeOther)
		return
	}
	step := matchTOTP(secret, normalizeCode(r.PostFormValue("code")), h.now())
	if step == 0 {
		h.twoFactorEnrol(w, r, http.StatusUnprocessableEntity, u, secret, "That code is not valid. Enter the 6-digit code your app shows now.")
		return
	}
	codes, hashes := newRecoveryCodes()
	if err := h.DB.EnableOTP(r.Context(), u.ID, secret, step, hashes); err != nil {
		h.internalError(w, r, "settings 2fa", err)
		return
	}
	u.OTPSecret = secret
	h.twoFactorStatus(w, r, http.StatusOK, u, map[string]any{"RecoveryCodes": codes})
}

// twoFactorDisable is POST /settings/2fa/disable, with a current code or
// a recovery code (a stolen session alone cannot turn it off).
func (h *Handlers) twoFactorDisable(w http.ResponseWriter, r *http.Request) {
	u, _, ok := h.settingsForm(w, r, "/settings/2fa")
	if !ok {
		return
	}
	if u.OTPSecret == "" {
		http.Redirect(w, r, "/settings/2fa", http.StatusSeeOther)
		return
	}
	valid, err := h.checkSecondFactor(r.Context(), u, r.PostFormValue("code"))
	if err == nil && valid {
		err = h.DB.DisableOTP(r.Context(), u.ID)
	}
	if err != nil {
		h.internalError(w, r, "settings 2fa", err)
		return
	}
	if !valid {
		h.twoFactorStatus(w, r, http.StatusUnprocessableEntity, u, map[string]any{"Error": "That code is not valid."})
		return
	}
	http.Redirect(w, r, "/settings/2fa?done=disabled", http.StatusSeeOther)
}
