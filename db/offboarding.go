package db

import (
	"context"
	"fmt"
)

// SoleOwnerError: disabling the user would leave these brands without an
// owner who can sign in; they need another owner first.
type SoleOwnerError struct{ Brands []string }

func (e *SoleOwnerError) Error() string {
	return fmt.Sprintf("the brands %v would have no owner left", e.Brands)
}

// DisableUser offboards a user: the login is disabled, every token (their
// own and those acting as brands) is revoked, their authorization codes
// and web sessions end. A brand whose only owners able to sign in would be
// this user is refused (*SoleOwnerError), and nothing changes. Their brand
// memberships stay (EnableUser brings the person back as they were).
func (d *DB) DisableUser(ctx context.Context, userID int64) error {
	return d.InTx(ctx, func(tx *Tx) error {
		var orphans []string
		err := tx.tx.NewSelect().TableExpr("brand_members AS bm").ColumnExpr("a.username").
			Join("JOIN accounts AS a ON a.id = bm.brand_account_id").
			Where("bm.user_id = ? AND bm.role = ?", userID, BrandOwner).
			Where("NOT EXISTS (SELECT 1 FROM brand_members AS o JOIN users AS ou ON ou.id = o.user_id "+
				"WHERE o.brand_account_id = bm.brand_account_id AND o.role = ? AND o.user_id <> ? AND ou.disabled = FALSE)", BrandOwner, userID).
			OrderExpr("a.username").Scan(ctx, &orphans)
		if err != nil {
			return fmt.Errorf("db: brands of a leaving owner: %w", err)
		}
		if len(orphans) > 0 {
			return &SoleOwnerError{Brands: orphans}
		}
		t := now()
		res, err := tx.tx.NewUpdate().Model((*User)(nil)).Set("disabled = TRUE").Set("updated_at = ?", t).Where("id = ?", userID).Exec(ctx)
		if err := exactlyOne(res, err, "disable user"); err != nil {
			return err
		}
		if _, err := tx.tx.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", t).
			Where("user_id = ? AND revoked_at IS NULL", userID).Exec(ctx); err != nil {
			return fmt.Errorf("db: revoke tokens: %w", err)
		}
		if _, err := tx.tx.NewDelete().TableExpr("oauth_codes").Where("user_id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("db: drop codes: %w", err)
		}
		if _, err := tx.tx.NewDelete().TableExpr("sessions").Where("user_id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("db: end sessions: %w", err)
		}
		return nil
	})
}

// TransferBrand makes userID an owner of a brand and every other owner an
// editor, with its audit record (nil: none).
func (d *DB) TransferBrand(ctx context.Context, brandID, userID int64, audit *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.NewUpdate().Model((*BrandMember)(nil)).Set("role = ?", BrandEditor).
			Where("brand_account_id = ? AND role = ? AND user_id <> ?", brandID, BrandOwner, userID).Exec(ctx); err != nil {
			return fmt.Errorf("db: demote owners: %w", err)
		}
		_, err := tx.tx.NewInsert().Model(&BrandMember{BrandAccountID: brandID, UserID: userID, Role: BrandOwner, CreatedAt: now()}).
			On("CONFLICT (brand_account_id, user_id) DO UPDATE").Set("role = EXCLUDED.role").Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: new owner: %w", err)
		}
		return tx.recordIf(ctx, audit)
	})
}
