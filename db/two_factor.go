package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Two-factor authentication (TOTP) of password accounts. The secret is
// stored as it must be used (TOTP needs it); recovery codes only as
// SHA-256, each deleted when used.

// RecoveryCode is a single-use code that stands in for a TOTP code.
type RecoveryCode struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	CodeHash  string    `bun:"code_hash,pk"`
	UserID    int64     `bun:"user_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// SetPendingOTPSecret keeps the secret shown during enrolment until a code
// confirms it (the confirmed secret, if any, stays in force meanwhile).
func (d *DB) SetPendingOTPSecret(ctx context.Context, userID int64, secret string) error {
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("otp_pending_secret = ?", secret).Set("updated_at = ?", now()).
		Where("id = ?", userID).Exec(ctx)
	return exactlyOne(res, err, "set pending otp secret")
}

// EnableOTP makes the pending secret the user's second factor, records
// step (the code that confirmed it) as used, and replaces the recovery
// codes. ErrNotFound when the pending secret changed meanwhile.
func (d *DB) EnableOTP(ctx context.Context, userID int64, pendingSecret string, step int64, recoveryHashes []string) error {
	return d.tx(ctx, func(tx bun.Tx) error {
		t := now()
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("otp_secret = otp_pending_secret").Set("otp_pending_secret = ''").
			Set("otp_last_step = ?", step).Set("updated_at = ?", t).
			Where("id = ? AND otp_pending_secret = ? AND otp_pending_secret <> ''", userID, pendingSecret).Exec(ctx)
		if err := exactlyOne(res, err, "enable otp"); err != nil {
			return err
		}
		return replaceRecoveryCodes(ctx, tx, userID, recoveryHashes, t)
	})
}

func replaceRecoveryCodes(ctx context.Context, tx bun.Tx, userID int64, hashes []string, t time.Time) error {
	if _, err := tx.NewDelete().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("db: delete recovery codes: %w", err)
	}
	if len(hashes) == 0 {
		return nil
	}
	rows := make([]RecoveryCode, len(hashes))
	for i, h := range hashes {
		rows[i] = RecoveryCode{CodeHash: h, UserID: userID, CreatedAt: t}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert recovery codes: %w", err)
	}
	return nil
}

// DisableOTP removes the user's second factor and recovery codes (the
// settings page, or an admin for a person locked out); ErrNotFound when
// the user had none.
func (d *DB) DisableOTP(ctx context.Context, userID int64) error {
	return d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("otp_secret = ''").Set("otp_pending_secret = ''").
			Set("otp_last_step = 0").Set("updated_at = ?", now()).
			Where("id = ? AND otp_secret <> ''", userID).Exec(ctx)
		if err := exactlyOne(res, err, "disable otp"); err != nil {
			return err
		}
		return replaceRecoveryCodes(ctx, tx, userID, nil, now())
	})
}

// UseOTPStep records that the code of time step was used, and reports
// false when that step (or a later one) was used before: a code signs in
// once.
func (d *DB) UseOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("otp_last_step = ?", step).
		Where("id = ? AND otp_last_step < ?", userID, step).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: use otp step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode consumes a recovery code of the user by its hash and
// reports whether it was valid.
func (d *DB) UseRecoveryCode(ctx context.Context, userID int64, codeHash string) (bool, error) {
	res, err := d.w.NewDelete().Model((*RecoveryCode)(nil)).Where("user_id = ? AND code_hash = ?", userID, codeHash).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: use recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecoveryCodesLeft counts the unused recovery codes of a user.
func (d *DB) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	n, err := d.r.NewSelect().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: count recovery codes: %w", err)
	}
	return int(n), nil
}

// SignInChallenge is a sign-in whose password was right and whose second
// factor is awaited (the browser holds the plaintext id in a cookie).
type SignInChallenge struct {
	bun.BaseModel `bun:"table:sign_in_challenges"`

	IDHash    string    `bun:"id_hash,pk"`
	UserID    int64     `bun:"user_id"`
	ReturnTo  string    `bun:"return_to"`
	Failures  int       `bun:"failures"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// CreateSignInChallenge starts the second step of a sign-in and returns
// its plaintext id. Expired challenges are swept on the way.
func (d *DB) CreateSignInChallenge(ctx context.Context, userID int64, returnTo string, ttl time.Duration) (string, error) {
	plain := NewSecret()
	t := now()
	err := d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*SignInChallenge)(nil)).Where("expires_at < ?", t).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&SignInChallenge{IDHash: HashSecret(plain), UserID: userID, ReturnTo: returnTo, ExpiresAt: t.Add(ttl)}).Exec(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("db: create sign-in challenge: %w", err)
	}
	return plain, nil
}

// SignInChallengeByPlaintext returns an unexpired challenge.
func (d *DB) SignInChallengeByPlaintext(ctx context.Context, plain string) (*SignInChallenge, error) {
	c := new(SignInChallenge)
	err := d.r.NewSelect().Model(c).Where("id_hash = ? AND expires_at > ?", HashSecret(plain), now()).Scan(ctx)
	return c, notFound(err)
}

// FailSignInChallenge counts a wrong code; after max failures the
// challenge is deleted (the person starts again with the password) and
// false is returned.
func (d *DB) FailSignInChallenge(ctx context.Context, idHash string, max int) (bool, error) {
	res, err := d.w.NewUpdate().Model((*SignInChallenge)(nil)).Set("failures = failures + 1").
		Where("id_hash = ? AND failures < ?", idHash, max-1).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: fail sign-in challenge: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	return false, d.DeleteSignInChallenge(ctx, idHash)
}

// DeleteSignInChallenge ends a challenge (passed, failed or abandoned).
func (d *DB) DeleteSignInChallenge(ctx context.Context, idHash string) error {
	_, err := d.w.NewDelete().Model((*SignInChallenge)(nil)).Where("id_hash = ?", idHash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: delete sign-in challenge: %w", err)
	}
	return nil
}
