package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Token is an OAuth access token. Only its SHA-256 is stored.
type Token struct {
	bun.BaseModel `bun:"table:oauth_tokens"`

	ID          int64      `bun:"id,pk"`
	TokenHash   string     `bun:"token_hash"`
	RefreshHash *string    `bun:"refresh_hash"`
	AppID       *int64     `bun:"app_id"`
	UserID      *int64     `bun:"user_id"`
	AccountID   *int64     `bun:"account_id"`
	Scopes      string     `bun:"scopes"`
	RoleCeiling string     `bun:"role_ceiling"`
	ExpiresAt   *time.Time `bun:"expires_at"`
	RevokedAt   *time.Time `bun:"revoked_at"`
	LastUsedAt  *time.Time `bun:"last_used_at"`
	CreatedAt   time.Time  `bun:"created_at"`
}

// NewSecret returns a random URL-safe secret of 32 bytes (256 bits).
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret is how tokens and codes are stored: a leaked database does not
// leak working tokens.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// NewToken describes a token to issue.
type NewToken struct {
	AppID       *int64
	UserID      *int64
	AccountID   *int64 // the identity the token acts as
	Scopes      []string
	RoleCeiling string // brand role when acting as a brand
	Refresh     bool
	ExpiresAt   *time.Time
}

// IssuedToken is a token as handed to its holder, once.
type IssuedToken struct {
	*Token
	AccessToken  string
	RefreshToken string
}

// CreateToken issues a new token and returns its plaintext.
func (d *DB) CreateToken(ctx context.Context, n NewToken) (*IssuedToken, error) {
	return d.createToken(ctx, d.w, n)
}

func (d *DB) createToken(ctx context.Context, idb bun.IDB, n NewToken) (*IssuedToken, error) {
	plain := NewSecret()
	t := &Token{
		ID:          d.NewID(),
		TokenHash:   HashSecret(plain),
		AppID:       n.AppID,
		UserID:      n.UserID,
		AccountID:   n.AccountID,
		Scopes:      strings.Join(n.Scopes, " "),
		RoleCeiling: n.RoleCeiling,
		ExpiresAt:   n.ExpiresAt,
		CreatedAt:   now(),
	}
	issued := &IssuedToken{Token: t, AccessToken: plain}
	if n.Refresh {
		issued.RefreshToken = NewSecret()
		h := HashSecret(issued.RefreshToken)
		t.RefreshHash = &h
	}
	if _, err := idb.NewInsert().Model(t).Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: create token: %w", err)
	}
	return issued, nil
}

// TokenByPlaintext returns a live (unrevoked, unexpired) token.
func (d *DB) TokenByPlaintext(ctx context.Context, plain string) (*Token, error) {
	t := new(Token)
	err := d.r.NewSelect().Model(t).
		Where("token_hash = ? AND revoked_at IS NULL", HashSecret(plain)).
		Where("expires_at IS NULL OR expires_at > ?", now()).
		Scan(ctx)
	return t, notFound(err)
}

// RevokeToken revokes a token by its plaintext (idempotent; unknown is not an error).
func (d *DB) RevokeToken(ctx context.Context, plain string) error {
	_, err := d.w.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", now()).
		Where("token_hash = ? AND revoked_at IS NULL", HashSecret(plain)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: revoke token: %w", err)
	}
	return nil
}
