package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/kontor-social/kontor/db"
)

// streamTokenScopes are all a page's streaming token may do: read the
// statuses and notifications the user's streams carry.
var streamTokenScopes = []string{"read:statuses", "read:notifications"}

// streamTokenDay is how long one derived token serves; it lives for two, so
// a page opened late in the day keeps streaming through the next.
const streamTokenDay = 24 * time.Hour

// StreamToken returns the access token Kontor's own signed-in pages give
// their JavaScript for the streaming API (which takes bearer tokens, not
// cookies). It is bound to the browser's session: its plaintext is derived
// from the session id and the day, so every page of a session gets the
// same token without anyone storing it, and it is read-only, expires after
// two days and is revoked when the session signs out. "" when the request
// has no session.
func (h *Handlers) StreamToken(r *http.Request, u *db.User) (string, error) {
	session := h.cookie(r, sessionCookie)
	if session == "" || u == nil {
		return "", nil
	}
	day := h.now().UTC().Truncate(streamTokenDay)
	plain := derivedStreamToken(session, day)
	expires := day.Add(2 * streamTokenDay)
	_, err := h.DB.EnsureToken(r.Context(), plain, db.NewToken{
		UserID: &u.ID, AccountID: &u.AccountID, Scopes: streamTokenScopes, ExpiresAt: &expires,
	})
	if err != nil {
		return "", err
	}
	return plain, nil
}

// derivedStreamToken is the streaming token of a session on a day. The
// session id is a 256-bit secret, so a hash of it is one too; the stored
// hash of the token (a hash of this hash) reveals neither.
func derivedStreamToken(session string, day time.Time) string {
	sum := sha256.Sum256([]byte("kontor-stream-token\x00" + session + "\x00" + day.Format(time.DateOnly)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// revokeStreamTokens revokes the streaming tokens a session may hold (of
// today and yesterday) when it signs out.
func (h *Handlers) revokeStreamTokens(r *http.Request, session string) {
	day := h.now().UTC().Truncate(streamTokenDay)
	for _, d := range []time.Time{day, day.Add(-streamTokenDay)} {
		if err := h.DB.RevokeToken(r.Context(), derivedStreamToken(session, d)); err != nil {
			h.Logger.Warn("oauth: revoke stream token", "err", err)
		}
	}
	h.TokensRevoked()
}
