package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
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
	hash := HashSecret(plain)
	d.freshen(ctx)
	if t, ok := d.reads.tokens.get(hash); ok {
		if t.ExpiresAt != nil && !t.ExpiresAt.After(now()) {
			return nil, ErrNotFound
		}
		return &t, nil
	}
	gen := d.reads.tokens.generation()
	t := new(Token)
	err := d.r.NewSelect().Model(t).
		Where("token_hash = ? AND revoked_at IS NULL", hash).
		Where("expires_at IS NULL OR expires_at > ?", now()).
		Scan(ctx)
	if err != nil {
		return t, notFound(err)
	}
	d.reads.tokens.put(hash, *t, gen)
	return t, nil
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

// LiveTokenIDs returns which of ids are tokens the API would still accept
// from a user: unrevoked, unexpired, of a user who may sign in (confirmed,
// approved, not disabled, own account not suspended), acting as an account
// that is not suspended. The streaming API checks its open connections
// with it, so a revoked token (an app's log-out, a suspension, a brand
// member's removal) stops receiving events.
func (d *DB) LiveTokenIDs(ctx context.Context, ids []int64) (map[int64]bool, error) {
	live := make(map[int64]bool, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var found []int64
		err := d.r.NewSelect().TableExpr("oauth_tokens AS t").Column("t.id").
			Join("JOIN users AS u ON u.id = t.user_id").
			Join("JOIN accounts AS ua ON ua.id = u.account_id").
			Join("LEFT JOIN accounts AS ta ON ta.id = t.account_id").
			Where("t.id IN (?)", bun.List(chunk)).
			Where("t.revoked_at IS NULL").
			Where("t.expires_at IS NULL OR t.expires_at > ?", now()).
			Where("u.confirmed_at IS NOT NULL AND u.approved = TRUE AND u.disabled = FALSE").
			Where("ua.suspended_at IS NULL AND ta.suspended_at IS NULL").
			Scan(ctx, &found)
		if err != nil {
			return nil, fmt.Errorf("db: live tokens: %w", err)
		}
		for _, id := range found {
			live[id] = true
		}
	}
	return live, nil
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
