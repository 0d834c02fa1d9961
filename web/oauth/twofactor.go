package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kontor-social/kontor/db"
)

// Two-factor authentication with TOTP (RFC 6238, the codes of any
// authenticator app) for password accounts: after the right password the
// sign-in page asks for a code (or a recovery code) before the session
// starts. Single sign-on leaves the second factor to the identity provider.

const (
	// challengeLifetime is how long the code may take after the password.
	challengeLifetime = 10 * time.Minute
	// challengeAttempts wrong codes send the person back to the password.
	challengeAttempts = 5
	twoFactorCookie   = "kontor_2fa"
	recoveryCodeCount = 10
)

// totpOpts are the parameters authenticator apps assume (SHA-1, 6 digits,
// 30 s); one step of clock skew either way is accepted.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchTOTP returns the time step whose code is code, or 0.
func matchTOTP(secret, code string, now time.Time) int64 {
	for _, off := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(off) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30
		}
	}
	return 0
}

// normalizeCode drops spaces and dashes and lowercases a typed code.
func normalizeCode(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
}

func isTOTPCode(s string) bool {
	return len(s) == 6 && strings.Trim(s, "0123456789") == ""
}

// checkSecondFactor reports whether code is a current TOTP code of u not
// used before, or one of u's recovery codes (which is then used up).
func (h *Handlers) checkSecondFactor(ctx context.Context, u *db.User, code string) (bool, error) {
	code = normalizeCode(code)
	if isTOTPCode(code) {
		step := matchTOTP(u.OTPSecret, code, h.now())
		if step == 0 {
			return false, nil
		}
		return h.DB.UseOTPStep(ctx, u.ID, step)
	}
	if code == "" {
		return false, nil
	}
	return h.DB.UseRecoveryCode(ctx, u.ID, db.HashSecret(code))
}

// newOTPSecret returns a fresh base32 TOTP secret (160 bits).
func newOTPSecret() string {
	var b [20]byte
	rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// otpKey is the otpauth:// key of a secret, as authenticator apps scan it.
func (h *Handlers) otpKey(u *db.User, secret string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{
		Issuer: h.Config.InstanceTitle, AccountName: u.Account.Username + "@" + h.Config.AccountDomain,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// qrDataURL renders a key as a PNG QR code in a data: URL (the pages'
// CSP allows data: images; no third party sees the secret).
func qrDataURL(k *otp.Key) (template.URL, error) {
	img, err := k.Image(220, 220)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// newRecoveryCodes returns recovery codes to show once (xxxxx-xxxxx, 50
// bits each) and their hashes to store.
func newRecoveryCodes() (plain, hashes []string) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range recoveryCodeCount {
		var b [7]byte
		rand.Read(b[:])
		c := strings.ToLower(enc.EncodeToString(b[:]))[:10]
		plain = append(plain, c[:5]+"-"+c[5:])
		hashes = append(hashes, db.HashSecret(c))
	}
	return plain, hashes
}

// startTwoFactor holds a sign-in whose password was right until the code
// comes: a challenge row, its id in a cookie, and the code page.
func (h *Handlers) startTwoFactor(w http.ResponseWriter, r *http.Request, u *db.User, returnTo string) {
	plain, err := h.DB.CreateSignInChallenge(r.Context(), u.ID, returnTo, challengeLifetime)
	if err != nil {
		h.internalError(w, r, "sign in", err)
		return
	}
	h.setCookie(w, twoFactorCookie, plain, int(challengeLifetime.Seconds()))
	http.Redirect(w, r, "/auth/two_factor", http.StatusSeeOther)
}

// challenge returns the pending second step of the browser's sign-in and
// its user, or nil when there is none (or the user may no longer sign in).
func (h *Handlers) challenge(r *http.Request) (*db.SignInChallenge, *db.User, error) {
	plain := h.cookie(r, twoFactorCookie)
	if plain == "" {
		return nil, nil, nil
	}
	c, err := h.DB.SignInChallengeByPlaintext(r.Context(), plain)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	u, err := h.DB.UserByID(r.Context(), c.UserID)
	if errors.Is(err, db.ErrNotFound) || err == nil && (signInRefusal(u) != "" || u.OTPSecret == "") {
		return nil, nil, nil
	}
	return c, u, err
}

// twoFactorForm is GET /auth/two_factor, the code page.
func (h *Handlers) twoFactorForm(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.challenge(r)
	if err != nil {
		h.internalError(w, r, "two-factor", err)
		return
	}
	if c == nil {
		http.Redirect(w, r, "/auth/sign_in", http.StatusSeeOther)
		return
	}
	h.page(w, r, http.StatusOK, pageTwoFactor, map[string]any{"CSRF": h.csrfToken(w, r), "Lang": returnToLang(c.ReturnTo)})
}

// twoFactor is POST /auth/two_factor: the code (or a recovery code)
// completes the sign-in; too many wrong ones end the attempt.
func (h *Handlers) twoFactor(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !h.checkCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	ctx := r.Context()
	c, u, err := h.challenge(r)
	if err != nil {
		h.internalError(w, r, "two-factor", err)
		return
	}
	if c == nil {
		h.setCookie(w, twoFactorCookie, "", -1)
		h.signInPage(w, r, http.StatusUnprocessableEntity, "", map[string]any{"Error": "Your sign-in took too long. Sign in again."})
		return
	}
	// Wrong codes also count per user across challenges, so knowing the
	// password does not buy unlimited guesses (5 per challenge).
	key := "2fa\x00" + strconv.FormatInt(u.ID, 10)
	if wait := h.throttle.wait(key); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		h.page(w, r, http.StatusTooManyRequests, pageTwoFactor, map[string]any{
			"CSRF": h.csrfToken(w, r), "Error": fmt.Sprintf("Too many wrong codes. Try again in %d seconds.", secs)})
		return
	}
	ok, err := h.checkSecondFactor(ctx, u, r.PostFormValue("code"))
	if err != nil {
		h.internalError(w, r, "two-factor", err)
		return
	}
	if !ok {
		h.throttle.fail(key, throttleFree)
		h.wrongSecondFactor(w, r, c)
		return
	}
	h.throttle.succeed(key)
	if err := h.DB.DeleteSignInChallenge(ctx, c.IDHash); err != nil {
		h.internalError(w, r, "two-factor", err)
		return
	}
	h.setCookie(w, twoFactorCookie, "", -1)
	if err := h.startSession(w, r, u); err != nil {
		h.internalError(w, r, "two-factor", err)
		return
	}
	to := c.ReturnTo
	if to == "" {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// wrongSecondFactor counts a wrong code and asks again, or, after too
// many, sends the person back to the password.
func (h *Handlers) wrongSecondFactor(w http.ResponseWriter, r *http.Request, c *db.SignInChallenge) {
	again, err := h.DB.FailSignInChallenge(r.Context(), c.IDHash, challengeAttempts)
	if err != nil {
		h.internalError(w, r, "two-factor", err)
		return
	}
	if !again {
		h.setCookie(w, twoFactorCookie, "", -1)
		h.signInPage(w, r, http.StatusUnprocessableEntity, c.ReturnTo, map[string]any{"Error": "Too many wrong codes. Sign in again."})
		return
	}
	h.page(w, r, http.StatusUnprocessableEntity, pageTwoFactor, map[string]any{
		"CSRF": h.csrfToken(w, r), "Lang": returnToLang(c.ReturnTo), "Error": "That code is not valid. Try the current code of your app, or a recovery code.",
	})
}
