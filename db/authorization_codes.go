package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// OAuth applications, authorization codes, token rotation and the browser
// sessions of the sign-in page. Tokens themselves are in tokens.go.
//
// Client secrets, codes, tokens and session ids are stored as their SHA-256
// (HashSecret): a leaked database holds nothing that works.

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
