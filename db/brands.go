package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Brand roles, from most to least powerful.
const (
	BrandOwner  = "owner"
	BrandEditor = "editor"
	BrandViewer = "viewer"
)

// ValidBrandRole reports whether r is a brand role.
func ValidBrandRole(r string) bool { return r == BrandOwner || r == BrandEditor || r == BrandViewer }

// BrandRoleRank orders roles: owner 3, editor 2, viewer 1, anything else 0.
func BrandRoleRank(r string) int {
	switch r {
	case BrandOwner:
		return 3
	case BrandEditor:
		return 2
	case BrandViewer:
		return 1
	}
	return 0
}

// LesserBrandRole is the weaker of two roles (a token's ceiling and the
// member's current role).
func LesserBrandRole(a, b string) string {
	if BrandRoleRank(a) <= BrandRoleRank(b) {
		return a
	}
	return b
}

// Brand is the settings row of a brand account.
type Brand struct {
	bun.BaseModel `bun:"table:brands,alias:b"`

	AccountID       int64     `bun:"account_id,pk"`
	RequireApproval bool      `bun:"require_approval"`
	CreatedAt       time.Time `bun:"created_at"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id"`
}

// BrandMember is a local user's role in a brand.
type BrandMember struct {
	bun.BaseModel `bun:"table:brand_members,alias:bm"`

	BrandAccountID int64     `bun:"brand_account_id,pk"`
	UserID         int64     `bun:"user_id,pk"`
	Role           string    `bun:"role"`
	CreatedAt      time.Time `bun:"created_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// ErrNotMember: the user is not a member of the brand.
var ErrNotMember = errors.New("not a member of this brand")

// ErrLastOwner: a brand must keep at least one owner.
var ErrLastOwner = errors.New("a brand must keep at least one owner")

// BrandByAccountID returns a brand with its account.
func (d *DB) BrandByAccountID(ctx context.Context, accountID int64) (*Brand, error) {
	b := new(Brand)
	err := d.r.NewSelect().Model(b).Relation("Account").Where("b.account_id = ?", accountID).Scan(ctx)
	return b, notFound(err)
}

// Brands lists every brand, oldest first.
func (d *DB) Brands(ctx context.Context) ([]*Brand, error) {
	var list []*Brand
	err := d.r.NewSelect().Model(&list).Relation("Account").Order("b.created_at", "b.account_id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: brands: %w", err)
	}
	return list, nil
}

// SetBrandApproval turns the approval workflow on or off, with its audit
// record (nil: none).
func (d *DB) SetBrandApproval(ctx context.Context, accountID int64, on bool, audit *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.NewUpdate().Model((*Brand)(nil)).Set("require_approval = ?", on).Where("account_id = ?", accountID).Exec(ctx)
		if err := exactlyOne(res, err, "set brand approval"); err != nil {
			return err
		}
		return tx.recordIf(ctx, audit)
	})
}

// recordIf writes an audit record when there is one.
func (t *Tx) recordIf(ctx context.Context, audit *BrandAudit) error {
	if audit == nil {
		return nil
	}
	return t.RecordBrandAction(ctx, audit)
}

// BrandMembers lists a brand's members with their users and accounts.
func (d *DB) BrandMembers(ctx context.Context, brandID int64) ([]*BrandMember, error) {
	var list []*BrandMember
	err := d.r.NewSelect().Model(&list).Relation("User").Relation("User.Account").
		Where("bm.brand_account_id = ?", brandID).Order("bm.created_at", "bm.user_id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: brand members: %w", err)
	}
	return list, nil
}

// BrandRole returns user's role in a brand, or ErrNotMember.
func (d *DB) BrandRole(ctx context.Context, brandID, userID int64) (string, error) {
	var role string
	err := d.r.NewSelect().Model((*BrandMember)(nil)).Column("role").
		Where("brand_account_id = ? AND user_id = ?", brandID, userID).Scan(ctx, &role)
	if errors.Is(notFound(err), ErrNotFound) {
		return "", ErrNotMember
	}
	return role, err
}

// BrandsOfUser lists the brands a user belongs to, with the role.
func (d *DB) BrandsOfUser(ctx context.Context, userID int64) ([]*BrandMember, []*Account, error) {
	var members []*BrandMember
	if err := d.r.NewSelect().Model(&members).Where("bm.user_id = ?", userID).Order("bm.created_at").Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: brands of user: %w", err)
	}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.BrandAccountID
	}
	accts, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Account, len(members))
	for i, m := range members {
		out[i] = accts[m.BrandAccountID]
	}
	return members, out, nil
}

// SetBrandMember adds a member or changes their role, with its audit
// record (nil: none). Demoting the last owner is refused.
func (d *DB) SetBrandMember(ctx context.Context, brandID, userID int64, role string, audit *BrandAudit) error {
	if !ValidBrandRole(role) {
		return fmt.Errorf("db: brand role %q", role)
	}
	return d.InTx(ctx, func(tx *Tx) error {
		if role != BrandOwner {
			if err := tx.keepAnOwner(ctx, brandID, userID); err != nil {
				return err
			}
		}
		_, err := tx.tx.NewInsert().Model(&BrandMember{BrandAccountID: brandID, UserID: userID, Role: role, CreatedAt: now()}).
			On("CONFLICT (brand_account_id, user_id) DO UPDATE").Set("role = EXCLUDED.role").Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: set brand member: %w", err)
		}
		return tx.recordIf(ctx, audit)
	})
}

// keepAnOwner refuses a change that would leave the brand without an owner
// other than userID.
func (t *Tx) keepAnOwner(ctx context.Context, brandID, userID int64) error {
	others, err := t.tx.NewSelect().Model((*BrandMember)(nil)).
		Where("brand_account_id = ? AND role = ? AND user_id <> ?", brandID, BrandOwner, userID).Count(ctx)
	if err != nil {
		return err
	}
	isOwner, err := t.tx.NewSelect().Model((*BrandMember)(nil)).
		Where("brand_account_id = ? AND role = ? AND user_id = ?", brandID, BrandOwner, userID).Exists(ctx)
	if err != nil {
		return err
	}
	if isOwner && others == 0 {
		return ErrLastOwner
	}
	return nil
}

// RemoveBrandMember removes a member and revokes, at once, every token and
// code that acts as the brand for them; audit is its record (nil: none).
func (d *DB) RemoveBrandMember(ctx context.Context, brandID, userID int64, audit *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error {
		if err := tx.keepAnOwner(ctx, brandID, userID); err != nil {
			return err
		}
		res, err := tx.tx.NewDelete().Model((*BrandMember)(nil)).Where("brand_account_id = ? AND user_id = ?", brandID, userID).Exec(ctx)
		if err := exactlyOne(res, err, "remove brand member"); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrNotMember
			}
			return err
		}
		if _, err := tx.tx.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", now()).
			Where("user_id = ? AND account_id = ? AND revoked_at IS NULL", userID, brandID).Exec(ctx); err != nil {
			return fmt.Errorf("db: revoke brand tokens: %w", err)
		}
		if _, err := tx.tx.NewDelete().TableExpr("oauth_codes").Where("user_id = ? AND account_id = ?", userID, brandID).Exec(ctx); err != nil {
			return fmt.Errorf("db: drop brand codes: %w", err)
		}
		return tx.recordIf(ctx, audit)
	})
}

// BrandAudit is one recorded action done as a brand.
type BrandAudit struct {
	bun.BaseModel `bun:"table:brand_audit,alias:ba"`

	ID             int64     `bun:"id,pk"`
	BrandAccountID int64     `bun:"brand_account_id"`
	UserID         *int64    `bun:"user_id"`
	Action         string    `bun:"action"`
	StatusID       *int64    `bun:"status_id"`
	Detail         string    `bun:"detail"`
	CreatedAt      time.Time `bun:"created_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// RecordBrandAction writes an audit row in the transaction of the action
// itself, so an action and its record commit together.
func (t *Tx) RecordBrandAction(ctx context.Context, a *BrandAudit) error {
	a.ID, a.CreatedAt = t.d.NewID(), now()
	if _, err := t.tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return fmt.Errorf("db: brand audit: %w", err)
	}
	return nil
}

// RecordBrandAction writes an audit row outside any other transaction.
func (d *DB) RecordBrandAction(ctx context.Context, a *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error { return tx.RecordBrandAction(ctx, a) })
}

// BrandAuditLog lists a brand's audit trail, newest first, with the members.
func (d *DB) BrandAuditLog(ctx context.Context, brandID int64, p Page) ([]*BrandAudit, error) {
	var list []*BrandAudit
	q := d.r.NewSelect().Model(&list).Relation("User").Relation("User.Account").Where("ba.brand_account_id = ?", brandID)
	if err := p.apply(q, "ba.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: brand audit log: %w", err)
	}
	return newestFirst(p, list), nil
}
