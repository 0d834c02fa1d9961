package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// PasswordReset is a mailed link to choose a new password; only the
// SHA-256 of its token is stored.
type PasswordReset struct {
	bun.BaseModel `bun:"table:password_resets"`

	TokenHash string    `bun:"token_hash,pk"`
	UserID    int64     `bun:"user_id"`
	ExpiresAt time.Time `bun:"expires_at"`
	CreatedAt time.Time `bun:"created_at"`
}

// CreatePasswordReset makes a reset link for a user and returns its
// plaintext token. Earlier links of the user and expired ones are dropped:
// only the newest mail works.
func (d *DB) CreatePasswordReset(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	plain := NewSecret()
	t := now()
	err := d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*PasswordReset)(nil)).Where("user_id = ? OR expires_at < ?", userID, t).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&PasswordReset{TokenHash: HashSecret(plain), UserID: userID, ExpiresAt: t.Add(ttl), CreatedAt: t}).Exec(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("db: create password reset: %w", err)
	}
	return plain, nil
}

// PasswordResetUser returns the user an unexpired, unused reset token
// belongs to (ErrNotFound otherwise); the token stays valid.
func (d *DB) PasswordResetUser(ctx context.Context, plain string) (*User, error) {
	pr := new(PasswordReset)
	err := d.r.NewSelect().Model(pr).Where("token_hash = ? AND expires_at > ?", HashSecret(plain), now()).Scan(ctx)
	if err != nil {
		return nil, notFound(err)
	}
	return d.UserByID(ctx, pr.UserID)
}

// UsePasswordReset consumes a reset token and sets the new password,
// ending every session and token of the user (as an admin's reset does).
// ErrNotFound when the token is unknown, expired or already used;
// ErrWeakPassword (the token kept) when the password is refused.
func (d *DB) UsePasswordReset(ctx context.Context, plain, password string) (*User, error) {
	if err := CheckPasswordLength(password); err != nil {
		return nil, err
	}
	pr := new(PasswordReset)
	// Deleting first makes the token single-use even when two requests race.
	err := d.w.NewDelete().Model(pr).Where("token_hash = ? AND expires_at > ?", HashSecret(plain), now()).Returning("user_id").Scan(ctx)
	if err != nil {
		return nil, notFound(err)
	}
	if err := d.ResetPassword(ctx, pr.UserID, password); err != nil {
		return nil, err
	}
	return d.UserByID(ctx, pr.UserID)
}
