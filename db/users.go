package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// UserByAccountID returns the login of a local account.
func (d *DB) UserByAccountID(ctx context.Context, accountID int64) (*User, error) {
	u := new(User)
	err := d.r.NewSelect().Model(u).Relation("Account").Where("u.account_id = ?", accountID).Scan(ctx)
	return u, notFound(err)
}

// UserByID returns a user with its account. The user row is cached alone
// (only writes of users change it) and the account comes from the accounts
// cache: a write of any account (each federated post counts its author's
// statuses) then costs a re-read of the account, not of the user. An
// account's deletion takes its user with it (ON DELETE CASCADE), so a
// missing account is a missing user.
func (d *DB) UserByID(ctx context.Context, id int64) (*User, error) {
	d.freshen(ctx)
	u, ok := d.reads.users.get(id)
	if !ok {
		gen := d.reads.users.generation()
		row := new(User)
		if err := d.r.NewSelect().Model(row).Where("u.id = ?", id).Scan(ctx); err != nil {
			return row, notFound(err)
		}
		d.reads.users.put(id, *row, gen)
		u = *row
	}
	a, err := d.AccountByID(ctx, u.AccountID)
	if err != nil {
		return new(User), err
	}
	u.Account = a
	return &u, nil
}

// UserByLogin finds a user by email or by username (both case-insensitive):
// Mastodon's password grant sends the email in its "username" field.
func (d *DB) UserByLogin(ctx context.Context, login string) (*User, error) {
	u := new(User)
	q := d.r.NewSelect().Model(u).Relation("Account")
	if strings.Contains(login, "@") {
		q = q.Where("lower(u.email) = lower(?)", login)
	} else {
		q = q.Where("lower(account.username) = lower(?) AND account.domain = ''", login)
	}
	return u, notFound(q.Scan(ctx))
}

// SetPassword stores a new password hash for a user.
func (d *DB) SetPassword(ctx context.Context, userID int64, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", now()).
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// ErrWeakPassword is returned for passwords that are too short or too long.
var ErrWeakPassword = errors.New("password must be 8 to 72 bytes long")

// CheckPasswordLength returns ErrWeakPassword for a password too short or
// too long (bcrypt reads 72 bytes).
func CheckPasswordLength(password string) error {
	if len(password) < MinPasswordLength || len(password) > 72 {
		return ErrWeakPassword
	}
	return nil
}

// HashPassword hashes a password with bcrypt.
func HashPassword(password string) (string, error) {
	if err := CheckPasswordLength(password); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("db: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches the user's hash. Users
// without a password (SSO-only, brand accounts) never match.
func CheckPassword(u *User, password string) bool {
	if u.PasswordHash == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
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
