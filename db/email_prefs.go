package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// WantsEmail reports whether the user gets notice emails of a kind: a
// confirmed address, a login that works, and the kind not turned off.
func (u *User) WantsEmail(kind string) bool {
	if u == nil || u.Email == "" || u.ConfirmedAt == nil || u.Disabled {
		return false
	}
	return !u.EmailTurnedOff(kind)
}

// EmailTurnedOff reports whether the user turned off notice emails of a kind.
func (u *User) EmailTurnedOff(kind string) bool {
	return slices.Contains(strings.Fields(u.EmailOff), kind)
}

// SetEmailOff stores the kinds of notice email a user turned off.
func (d *DB) SetEmailOff(ctx context.Context, userID int64, off []string) error {
	res, err := d.w.NewUpdate().Model((*User)(nil)).Set("email_off = ?", strings.Join(off, " ")).Set("updated_at = ?", now()).
		Where("id = ?", userID).Exec(ctx)
	return exactlyOne(res, err, "set email preferences")
}

// Admins lists the instance's administrators with their accounts.
func (d *DB) Admins(ctx context.Context) ([]*User, error) {
	var list []*User
	if err := d.r.NewSelect().Model(&list).Relation("Account").Where("u.role = ?", RoleAdmin).Order("u.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: admins: %w", err)
	}
	return list, nil
}
