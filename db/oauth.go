package db

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// OAuth applications, authorization codes, token rotation and the browser
// sessions of the sign-in page. Tokens themselves are in tokens.go.
//
// Client secrets, codes, tokens and session ids are stored as their SHA-256
// (HashSecret): a leaked database holds nothing that works.

// ErrCodeUsed is returned when an authorization code is redeemed twice.
var ErrCodeUsed = errors.New("authorization code already used")

// NewApp describes an application to register.
type NewApp struct {
	Name         string
	Website      string
	RedirectURIs string // newline-separated, as Mastodon stores them
	Scopes       string // space-separated
}

// RegisteredApp is an application as handed to its client, once: with the
// plaintext secret.
type RegisteredApp struct {
	*App
	ClientSecret string
}

// CreateApp registers an application with a fresh client id and secret.
// Only the secret's hash is stored (in App.ClientSecret).
func (d *DB) CreateApp(ctx context.Context, n NewApp) (*RegisteredApp, error) {
	secret := NewSecret()
	a := &App{
		ID:           d.NewID(),
		Name:         n.Name,
		Website:      n.Website,
		RedirectURIs: n.RedirectURIs,
		Scopes:       n.Scopes,
		ClientID:     NewSecret(),
		ClientSecret: HashSecret(secret),
		CreatedAt:    now(),
	}
	if _, err := d.w.NewInsert().Model(a).Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: create app: %w", err)
	}
	return &RegisteredApp{App: a, ClientSecret: secret}, nil
}

// AppByClientID returns the application with this client id.
func (d *DB) AppByClientID(ctx context.Context, clientID string) (*App, error) {
	a := new(App)
	err := d.r.NewSelect().Model(a).Where("client_id = ?", clientID).Scan(ctx)
	return a, notFound(err)
}

// AppByID returns an application by ID.
func (d *DB) AppByID(ctx context.Context, id int64) (*App, error) {
	a := new(App)
	err := d.r.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	return a, notFound(err)
}

// AppSecretMatches reports whether secret is the application's client
// secret (constant-time).
func AppSecretMatches(a *App, secret string) bool {
	return secret != "" && subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(a.ClientSecret)) == 1
}

// AuthorizationCode is an OAuth authorization code: single-use, short-lived,
// bound to its app, redirect URI and PKCE challenge. AccountID is the
// identity the user chose to authorize as.
type AuthorizationCode struct {
	bun.BaseModel `bun:"table:oauth_codes,alias:code"`

	CodeHash            string     `bun:"code_hash,pk"`
	AppID               int64      `bun:"app_id"`
	UserID              int64      `bun:"user_id"`
	AccountID           int64      `bun:"account_id"`
	RedirectURI         string     `bun:"redirect_uri"`
	Scopes              string     `bun:"scopes"`
	CodeChallenge       string     `bun:"code_challenge"`
	CodeChallengeMethod string     `bun:"code_challenge_method"`
	ExpiresAt           time.Time  `bun:"expires_at"`
	UsedAt              *time.Time `bun:"used_at"`
	TokenID             *int64     `bun:"token_id"`
	CreatedAt           time.Time  `bun:"created_at"`
}

// CreateAuthorizationCode stores a code (CodeHash and CreatedAt are set
// here) and returns its plaintext. Codes that expired more than a day ago
// are swept on the way.
func (d *DB) CreateAuthorizationCode(ctx context.Context, c *AuthorizationCode) (string, error) {
	plain := NewSecret()
	c.CodeHash = HashSecret(plain)
	c.CreatedAt = now()
	err := d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*AuthorizationCode)(nil)).
			Where("expires_at < ?", c.CreatedAt.Add(-24*time.Hour)).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(c).Exec(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("db: create authorization code: %w", err)
	}
	return plain, nil
}

// AuthorizationCodeByPlaintext returns a code whatever its state (used,
// expired): the caller tells those cases apart.
func (d *DB) AuthorizationCodeByPlaintext(ctx context.Context, plain string) (*AuthorizationCode, error) {
	c := new(AuthorizationCode)
	err := d.w.NewSelect().Model(c).Where("code_hash = ?", HashSecret(plain)).Scan(ctx)
	return c, notFound(err)
}

// RedeemAuthorizationCode marks a code used and issues its token, in one
// transaction. A code that was already used gives ErrCodeUsed (two
// concurrent redemptions: exactly one wins).
func (d *DB) RedeemAuthorizationCode(ctx context.Context, codeHash string, n NewToken) (*IssuedToken, error) {
	var issued *IssuedToken
	err := d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*AuthorizationCode)(nil)).Set("used_at = ?", now()).
			Where("code_hash = ? AND used_at IS NULL", codeHash).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: redeem code: %w", err)
		}
		if rows, _ := res.RowsAffected(); rows == 0 {
			return ErrCodeUsed
		}
		if issued, err = d.createToken(ctx, tx, n); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*AuthorizationCode)(nil)).Set("token_id = ?", issued.ID).
			Where("code_hash = ?", codeHash).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: redeem code: %w", err)
		}
		return nil
	})
	return issued, err
}

// RevokeCodeTokens revokes the token a code was redeemed for (and, through
// rotation, its current successor): what to do when a code is replayed.
func (d *DB) RevokeCodeTokens(ctx context.Context, codeHash string) error {
	_, err := d.w.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", now()).
		Where("revoked_at IS NULL").
		Where("id IN (SELECT token_id FROM oauth_codes WHERE code_hash = ? AND token_id IS NOT NULL)", codeHash).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: revoke code tokens: %w", err)
	}
	return nil
}

// TokenByRefreshToken returns the unrevoked token a refresh token belongs to.
func (d *DB) TokenByRefreshToken(ctx context.Context, plain string) (*Token, error) {
	t := new(Token)
	err := d.w.NewSelect().Model(t).
		Where("refresh_hash = ? AND revoked_at IS NULL", HashSecret(plain)).Scan(ctx)
	return t, notFound(err)
}

// RotateToken revokes old and issues its successor in one transaction; the
// code old came from now points at the successor. ErrNotFound when old was
// revoked meanwhile (a concurrent refresh won).
func (d *DB) RotateToken(ctx context.Context, old *Token, n NewToken) (*IssuedToken, error) {
	var issued *IssuedToken
	err := d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", now()).
			Where("id = ? AND revoked_at IS NULL", old.ID).Exec(ctx)
		if err := exactlyOne(res, err, "rotate token"); err != nil {
			return err
		}
		if issued, err = d.createToken(ctx, tx, n); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*AuthorizationCode)(nil)).Set("token_id = ?", issued.ID).
			Where("token_id = ?", old.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: rotate token: %w", err)
		}
		return nil
	})
	return issued, err
}

// RevokeAppToken revokes the token of an application whose access or
// refresh token is plain. Tokens of other applications and unknown tokens
// are left alone without an error (RFC 7009).
func (d *DB) RevokeAppToken(ctx context.Context, appID int64, plain string) error {
	h := HashSecret(plain)
	_, err := d.w.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", now()).
		Where("app_id = ? AND revoked_at IS NULL", appID).
		Where("token_hash = ? OR refresh_hash = ?", h, h).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: revoke app token: %w", err)
	}
	return nil
}

// Session is a signed-in browser on the OAuth pages.
type Session struct {
	bun.BaseModel `bun:"table:sessions,alias:sess"`

	IDHash     string    `bun:"id_hash,pk"`
	UserID     int64     `bun:"user_id"`
	CreatedAt  time.Time `bun:"created_at"`
	ExpiresAt  time.Time `bun:"expires_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
}

// CreateSession starts a session for a user and returns its plaintext id
// (the cookie value). Expired sessions are swept on the way.
func (d *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, *Session, error) {
	plain := NewSecret()
	t := now()
	s := &Session{IDHash: HashSecret(plain), UserID: userID, CreatedAt: t, ExpiresAt: t.Add(ttl), LastSeenAt: t}
	err := d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*Session)(nil)).Where("expires_at < ?", t).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(s).Exec(ctx)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("db: create session: %w", err)
	}
	return plain, s, nil
}

// SessionByPlaintext returns the unexpired session with this id.
func (d *DB) SessionByPlaintext(ctx context.Context, plain string) (*Session, error) {
	s := new(Session)
	err := d.r.NewSelect().Model(s).Where("id_hash = ? AND expires_at > ?", HashSecret(plain), now()).Scan(ctx)
	return s, notFound(err)
}

// TouchSession records activity on a session and slides its expiry.
func (d *DB) TouchSession(ctx context.Context, idHash string, expiresAt time.Time) error {
	_, err := d.w.NewUpdate().Model((*Session)(nil)).Set("last_seen_at = ?", now()).Set("expires_at = ?", expiresAt.UTC()).
		Where("id_hash = ?", idHash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (idempotent).
func (d *DB) DeleteSession(ctx context.Context, plain string) error {
	_, err := d.w.NewDelete().Model((*Session)(nil)).Where("id_hash = ?", HashSecret(plain)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: delete session: %w", err)
	}
	return nil
}

// RecordSignIn notes when a user last signed in.
func (d *DB) RecordSignIn(ctx context.Context, userID int64) error {
	_, err := d.w.NewUpdate().Model((*User)(nil)).Set("last_sign_in_at = ?", now()).
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: record sign-in: %w", err)
	}
	return nil
}

// SetUserDisabled disables a login (it can no longer sign in or use its
// tokens) or enables it again.
func (d *DB) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("disabled = ?", disabled).Set("updated_at = ?", now()).
		Where("id = ?", userID).Exec(ctx)
	return exactlyOne(res, err, "set user disabled")
}
