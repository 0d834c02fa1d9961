package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SSOSignUp is a verified single sign-on identity waiting for its person
// to confirm the handle of their new account.
type SSOSignUp struct {
	bun.BaseModel `bun:"table:sso_sign_ups"`

	IDHash    string    `bun:"id_hash,pk"`
	Identity  string    `bun:"identity"` // JSON of signup.Identity
	ReturnTo  string    `bun:"return_to"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// CreateSSOSignUp keeps an identity for ttl and returns the plaintext id
// for the browser's cookie. Expired ones are swept on the way.
func (d *DB) CreateSSOSignUp(ctx context.Context, identity, returnTo string, ttl time.Duration) (string, error) {
	plain := NewSecret()
	t := now()
	err := d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*SSOSignUp)(nil)).Where("expires_at < ?", t).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&SSOSignUp{IDHash: HashSecret(plain), Identity: identity, ReturnTo: returnTo, ExpiresAt: t.Add(ttl)}).Exec(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("db: create sso sign-up: %w", err)
	}
	return plain, nil
}

// SSOSignUpByPlaintext returns an unexpired pending sign-up.
func (d *DB) SSOSignUpByPlaintext(ctx context.Context, plain string) (*SSOSignUp, error) {
	s := new(SSOSignUp)
	err := d.r.NewSelect().Model(s).Where("id_hash = ? AND expires_at > ?", HashSecret(plain), now()).Scan(ctx)
	return s, notFound(err)
}

// DeleteSSOSignUp ends a pending sign-up (the account was made).
func (d *DB) DeleteSSOSignUp(ctx context.Context, idHash string) error {
	_, err := d.w.NewDelete().Model((*SSOSignUp)(nil)).Where("id_hash = ?", idHash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: delete sso sign-up: %w", err)
	}
	return nil
}
