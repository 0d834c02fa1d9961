package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Sign-ups: invite links, email confirmation, approval and the single
// sign-on identity of a user. The account itself is created by
// CreateLocalAccount (accounts.go), which also uses up the invite.

// ErrInviteInvalid is returned when an invite is unknown, revoked, expired
// or used up.
var ErrInviteInvalid = errors.New("invite is invalid or has expired")

// Invite is an invite link. Only the SHA-256 of its code is stored.
type Invite struct {
	bun.BaseModel `bun:"table:invites,alias:inv"`

	ID              int64      `bun:"id,pk"`
	CodeHash        string     `bun:"code_hash"`
	CreatedByUserID *int64     `bun:"created_by_user_id"`
	MaxUses         *int64     `bun:"max_uses"` // nil: unlimited
	Uses            int64      `bun:"uses"`
	ExpiresAt       *time.Time `bun:"expires_at"` // nil: never
	RevokedAt       *time.Time `bun:"revoked_at"`
	CreatedAt       time.Time  `bun:"created_at"`
}

// Usable reports whether the invite may still be used at t.
func (i *Invite) Usable(t time.Time) bool {
	return i.RevokedAt == nil && (i.ExpiresAt == nil || t.Before(*i.ExpiresAt)) &&
		(i.MaxUses == nil || i.Uses < *i.MaxUses)
}

// NewInvite describes an invite to create.
type NewInvite struct {
	CreatedByUserID *int64 // nil: made by the admin CLI
	MaxUses         int64  // 0: unlimited
	ExpiresAt       *time.Time
}

// CreateInvite stores an invite and returns its plaintext code (shown once,
// in the invite URL).
func (d *DB) CreateInvite(ctx context.Context, n NewInvite) (string, *Invite, error) {
	plain := NewSecret()[:24]
	inv := &Invite{ID: d.NewID(), CodeHash: HashSecret(plain), CreatedByUserID: n.CreatedByUserID, CreatedAt: now()}
	if n.MaxUses > 0 {
		m := n.MaxUses
		inv.MaxUses = &m
	}
	if n.ExpiresAt != nil {
		t := n.ExpiresAt.UTC().Truncate(time.Microsecond)
		inv.ExpiresAt = &t
	}
	if _, err := d.w.NewInsert().Model(inv).Exec(ctx); err != nil {
		return "", nil, fmt.Errorf("db: create invite: %w", err)
	}
	return plain, inv, nil
}

// InviteByCode returns the invite whose code is plain, whatever its state.
func (d *DB) InviteByCode(ctx context.Context, plain string) (*Invite, error) {
	inv := new(Invite)
	err := d.r.NewSelect().Model(inv).Where("code_hash = ?", HashSecret(plain)).Scan(ctx)
	return inv, notFound(err)
}

// Invites lists every invite, newest first.
func (d *DB) Invites(ctx context.Context) ([]*Invite, error) {
	var list []*Invite
	if err := d.r.NewSelect().Model(&list).Order("id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: invites: %w", err)
	}
	return list, nil
}

// useInvite counts one use of an invite inside the transaction that creates
// the account, so concurrent sign-ups cannot use it beyond max_uses.
func useInvite(ctx context.Context, tx bun.Tx, id int64, t time.Time) error {
	res, err := tx.NewUpdate().Model((*Invite)(nil)).Set("uses = uses + 1").
		Where("id = ? AND revoked_at IS NULL", id).
		Where("expires_at IS NULL OR expires_at > ?", t).
		Where("max_uses IS NULL OR uses < max_uses").Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: use invite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrInviteInvalid
	}
	return nil
}

// UserByEmail returns the user with this email address (case-insensitive).
func (d *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	err := d.r.NewSelect().Model(u).Relation("Account").Where("lower(u.email) = lower(?)", email).Scan(ctx)
	return u, notFound(err)
}

// UserBySSO returns the user linked to a single sign-on identity.
func (d *DB) UserBySSO(ctx context.Context, issuer, subject string) (*User, error) {
	u := new(User)
	err := d.r.NewSelect().Model(u).Relation("Account").
		Where("u.sso_issuer = ? AND u.sso_subject = ?", issuer, subject).Limit(1).Scan(ctx)
	return u, notFound(err)
}

// LinkSSO links a user to a single sign-on identity. Signing in through
// the identity provider proves the address, so the user is confirmed too.
func (d *DB) LinkSSO(ctx context.Context, userID int64, issuer, subject string) error {
	t := now()
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("sso_issuer = ?", issuer).Set("sso_subject = ?", subject).
		Set("confirmed_at = COALESCE(confirmed_at, ?)", t).Set("confirmation_token = ''").Set("updated_at = ?", t).
		Where("id = ?", userID).Exec(ctx)
	return exactlyOne(res, err, "link sso")
}

// SetConfirmationToken stores the hash of a new confirmation token for a
// user and when it was sent (it replaces any earlier one).
func (d *DB) SetConfirmationToken(ctx context.Context, userID int64, tokenHash string) error {
	t := now()
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("confirmation_token = ?", tokenHash).
		Set("confirmation_sent_at = ?", t).Set("updated_at = ?", t).
		Where("id = ?", userID).Exec(ctx)
	return exactlyOne(res, err, "set confirmation token")
}

// ConfirmByToken confirms the unconfirmed user whose confirmation token is
// plain and was sent less than maxAge ago. The token works once. Unknown,
// used and expired tokens give ErrNotFound.
func (d *DB) ConfirmByToken(ctx context.Context, plain string, maxAge time.Duration) (*User, error) {
	if plain == "" {
		return nil, ErrNotFound
	}
	h := HashSecret(plain)
	t := now()
	var id int64
	err := d.tx(ctx, func(tx bun.Tx) error {
		err := tx.NewSelect().Model((*User)(nil)).Column("id").
			Where("confirmation_token = ? AND confirmed_at IS NULL AND confirmation_sent_at > ?", h, t.Add(-maxAge)).
			Limit(1).Scan(ctx, &id)
		if err != nil {
			return notFound(err)
		}
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("confirmed_at = ?", t).Set("confirmation_token = ''").
			Set("updated_at = ?", t).Where("id = ? AND confirmation_token = ?", id, h).Exec(ctx)
		return exactlyOne(res, err, "confirm")
	})
	if err != nil {
		return nil, err
	}
	return d.UserByID(ctx, id)
}

// ConfirmUser confirms a user's email address (the admin CLI, when no mail
// is sent). Confirming a confirmed user changes nothing.
func (d *DB) ConfirmUser(ctx context.Context, userID int64) error {
	t := now()
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("confirmed_at = COALESCE(confirmed_at, ?)", t).
		Set("confirmation_token = ''").Set("updated_at = ?", t).Where("id = ?", userID).Exec(ctx)
	return exactlyOne(res, err, "confirm user")
}

// ApproveUser approves a user who signed up while registrations needed
// approval.
func (d *DB) ApproveUser(ctx context.Context, userID int64) error {
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("approved = ?", true).Set("updated_at = ?", now()).
		Where("id = ?", userID).Exec(ctx)
	return exactlyOne(res, err, "approve user")
}
