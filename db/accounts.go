package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"
)

// ErrUsernameTaken and ErrEmailTaken say which unique value clashed.
var (
	ErrUsernameTaken = fmt.Errorf("username %w", ErrConflict)
	ErrEmailTaken    = fmt.Errorf("email %w", ErrConflict)
)

// CreateLocalAccount stores a new local account and, when user is not nil,
// its login, in one transaction. IDs and timestamps are assigned here. A
// user with an InviteID uses up one use of that invite in the same
// transaction (ErrInviteInvalid when it no longer may be used).
func (d *DB) CreateLocalAccount(ctx context.Context, a *Account, u *User) error {
	t := now()
	a.ID = d.NewID()
	a.Domain = ""
	a.CreatedAt, a.UpdatedAt = t, t
	if a.Fields == nil {
		a.Fields = []Field{}
	}
	if a.AlsoKnownAs == nil {
		a.AlsoKnownAs = []string{}
	}
	return d.tx(ctx, func(tx bun.Tx) error {
		exists, err := tx.NewSelect().Model((*Account)(nil)).
			Where("lower(username) = lower(?) AND domain = ''", a.Username).Exists(ctx)
		if err != nil {
			return fmt.Errorf("db: create account: %w", err)
		}
		if exists {
			return ErrUsernameTaken
		}
		if u != nil {
			taken, err := tx.NewSelect().Model((*User)(nil)).Where("lower(email) = lower(?)", u.Email).Exists(ctx)
			if err != nil {
				return fmt.Errorf("db: create account: %w", err)
			}
			if taken {
				return ErrEmailTaken
			}
			if u.InviteID != nil {
				if err := useInvite(ctx, tx, *u.InviteID, t); err != nil {
					return err
				}
			}
		}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return ErrUsernameTaken
			}
			return fmt.Errorf("db: create account: %w", err)
		}
		if a.IsBrand {
			if _, err := tx.NewInsert().Model(&Brand{AccountID: a.ID, CreatedAt: t}).Exec(ctx); err != nil {
				return fmt.Errorf("db: create brand: %w", err)
			}
		}
		if u == nil {
			return nil
		}
		u.ID = d.NewID()
		u.AccountID = a.ID
		u.CreatedAt, u.UpdatedAt = t, t
		if u.Role == "" {
			u.Role = RoleUser
		}
		if u.DefaultPrivacy == "" {
			u.DefaultPrivacy = "public"
		}
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return ErrEmailTaken
			}
			return fmt.Errorf("db: create user: %w", err)
		}
		return nil
	})
}

// AccountByID returns any account by ID.
func (d *DB) AccountByID(ctx context.Context, id int64) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	return a, notFound(err)
}

// AccountsByIDs returns the accounts with these IDs, keyed by ID.
func (d *DB) AccountsByIDs(ctx context.Context, ids []int64) (map[int64]*Account, error) {
	out := make(map[int64]*Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []*Account
	if err := d.r.NewSelect().Model(&list).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: accounts by ids: %w", err)
	}
	for _, a := range list {
		out[a.ID] = a
	}
	return out, nil
}

// LocalAccount returns the local account with this username (case-insensitive).
func (d *DB) LocalAccount(ctx context.Context, username string) (*Account, error) {
	return d.AccountByUsername(ctx, username, "")
}

// AccountByUsername returns the account username@domain ("" domain: local).
func (d *DB) AccountByUsername(ctx context.Context, username, domain string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).
		Where("lower(username) = lower(?) AND domain = ?", username, strings.ToLower(domain)).
		Scan(ctx)
	return a, notFound(err)
}

// AccountByURI returns the account whose actor id is uri.
func (d *DB) AccountByURI(ctx context.Context, uri string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("uri = ?", uri).Scan(ctx)
	return a, notFound(err)
}

// AccountByURL returns the account whose profile page URL is url (a
// WebFinger resource may name the profile page rather than the actor id).
func (d *DB) AccountByURL(ctx context.Context, url string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("url = ?", url).Limit(1).Scan(ctx)
	return a, notFound(err)
}

// LocalAccounts lists local accounts, oldest first.
func (d *DB) LocalAccounts(ctx context.Context) ([]*Account, error) {
	var list []*Account
	err := d.r.NewSelect().Model(&list).Where("domain = ''").Order("id ASC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: local accounts: %w", err)
	}
	return list, nil
}

// SuspendAccount marks an account suspended (idempotent) and revokes the
// tokens that act as it.
func (d *DB) SuspendAccount(ctx context.Context, id int64) error {
	t := now()
	return d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Account)(nil)).
			Set("suspended_at = COALESCE(suspended_at, ?)", t).Set("updated_at = ?", t).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: suspend: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.NewUpdate().Table("oauth_tokens").Set("revoked_at = ?", t).
			Where("account_id = ? AND revoked_at IS NULL", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: suspend: revoke tokens: %w", err)
		}
		return nil
	})
}

// UnsuspendAccount lifts a suspension.
func (d *DB) UnsuspendAccount(ctx context.Context, id int64) error {
	res, err := d.w.NewUpdate().Model((*Account)(nil)).Set("suspended_at = NULL").Set("updated_at = ?", now()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unsuspend: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UserByAccountID returns the login of a local account.
func (d *DB) UserByAccountID(ctx context.Context, accountID int64) (*User, error) {
	u := new(User)
	err := d.r.NewSelect().Model(u).Relation("Account").Where("u.account_id = ?", accountID).Scan(ctx)
	return u, notFound(err)
}

// UserByID returns a user with its account.
func (d *DB) UserByID(ctx context.Context, id int64) (*User, error) {
	u := new(User)
	err := d.r.NewSelect().Model(u).Relation("Account").Where("u.id = ?", id).Scan(ctx)
	return u, notFound(err)
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

// HashPassword hashes a password with bcrypt.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength || len(password) > 72 {
		return "", ErrWeakPassword
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

// Usage is what NodeInfo and the instance endpoints report.
type Usage struct {
	Users          int64
	ActiveMonth    int64
	ActiveHalfyear int64
	LocalPosts     int64
	Domains        int64
}

// InstanceUsage counts local users and posts.
func (d *DB) InstanceUsage(ctx context.Context) (Usage, error) {
	var u Usage
	err := d.r.NewRaw(`SELECT
		(SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.domain = '' AND a.suspended_at IS NULL),
		(SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.domain = '' AND a.suspended_at IS NULL AND (a.last_status_at >= ? OR u.last_sign_in_at >= ?)),
		(SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.domain = '' AND a.suspended_at IS NULL AND (a.last_status_at >= ? OR u.last_sign_in_at >= ?)),
		(SELECT COALESCE(sum(statuses_count), 0) FROM accounts WHERE domain = ''),
		(SELECT count(DISTINCT domain) FROM accounts WHERE domain <> '')`,
		time.Now().AddDate(0, -1, 0).UTC(), time.Now().AddDate(0, -1, 0).UTC(),
		time.Now().AddDate(0, -6, 0).UTC(), time.Now().AddDate(0, -6, 0).UTC(),
	).Scan(ctx, &u.Users, &u.ActiveMonth, &u.ActiveHalfyear, &u.LocalPosts, &u.Domains)
	if err != nil {
		return u, fmt.Errorf("db: usage: %w", err)
	}
	return u, nil
}

// UpdateAccountProfile saves the editable profile of a local account.
func (d *DB) UpdateAccountProfile(ctx context.Context, a *Account) error {
	a.UpdatedAt = now()
	if a.Fields == nil {
		a.Fields = []Field{}
	}
	_, err := d.w.NewUpdate().Model(a).WherePK().
		Column("display_name", "note", "note_source", "fields", "avatar_media_id", "header_media_id", "locked", "bot",
			"discoverable", "indexable", "hide_collections", "actor_type", "also_known_as", "updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: update profile: %w", err)
	}
	return nil
}
