package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Ending a person's access: the admin's password reset, a changed
// password and the settings pages (sessions, authorized apps) all come
// here, so that what was ended is refused on the very next request.

// ResetPassword sets a new password and ends every web session and token
// of the user in one transaction: whoever knew the old password (or held
// a token taken with it) is out.
func (d *DB) ResetPassword(ctx context.Context, userID int64, password string) error {
	return d.changePassword(ctx, userID, password, "")
}

// ChangePassword sets a new password and ends the user's other sessions
// (keepSession is the stored hash of the one in use). Tokens of apps the
// user authorized stay: the person chose them and sees them on the apps
// page.
func (d *DB) ChangePassword(ctx context.Context, userID int64, password, keepSession string) error {
	return d.changePassword(ctx, userID, password, keepSession)
}

func (d *DB) changePassword(ctx context.Context, userID int64, password, keepSession string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return d.tx(ctx, func(tx bun.Tx) error {
		t := now()
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", t).
			Where("id = ?", userID).Exec(ctx)
		if err := exactlyOne(res, err, "set password"); err != nil {
			return err
		}
		del := tx.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID)
		if keepSession != "" {
			del = del.Where("id_hash <> ?", keepSession)
		} else {
			_, err := tx.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", t).
				Where("user_id = ? AND revoked_at IS NULL", userID).Exec(ctx)
			if err != nil {
				return fmt.Errorf("db: revoke user tokens: %w", err)
			}
		}
		if _, err := del.Exec(ctx); err != nil {
			return fmt.Errorf("db: end user sessions: %w", err)
		}
		// A reset link mailed before is void once the password changed.
		_, err = tx.NewDelete().Model((*PasswordReset)(nil)).Where("user_id = ?", userID).Exec(ctx)
		return err
	})
}

// AuthorizedApp is an application holding live tokens of a user, as the
// apps settings page lists it.
type AuthorizedApp struct {
	AppID        int64      `bun:"app_id"`
	Name         string     `bun:"name"`
	Website      string     `bun:"website"`
	Scopes       string     `bun:"scopes"` // of its newest token
	Tokens       int        `bun:"tokens"`
	AuthorizedAt time.Time  `bun:"authorized_at"` // first live token
	LastUsedAt   *time.Time `bun:"last_used_at"`
}

// AuthorizedApps returns the applications with live tokens of a user
// (tokens issued to the user, acting as the user or as a brand), newest
// authorization first.
func (d *DB) AuthorizedApps(ctx context.Context, userID int64) ([]AuthorizedApp, error) {
	var out []AuthorizedApp
	err := d.r.NewSelect().TableExpr("oauth_tokens AS t").
		Join("JOIN oauth_apps AS app ON app.id = t.app_id").
		ColumnExpr("t.app_id, app.name, app.website").
		ColumnExpr("(SELECT t2.scopes FROM oauth_tokens AS t2 WHERE t2.app_id = t.app_id AND t2.user_id = t.user_id AND t2.revoked_at IS NULL ORDER BY t2.created_at DESC, t2.id DESC LIMIT 1) AS scopes").
		ColumnExpr("COUNT(*) AS tokens, MIN(t.created_at) AS authorized_at, MAX(t.last_used_at) AS last_used_at").
		Where("t.user_id = ? AND t.revoked_at IS NULL", userID).
		Where("t.expires_at IS NULL OR t.expires_at > ?", now()).
		GroupExpr("t.app_id, t.user_id, app.name, app.website").
		OrderExpr("authorized_at DESC, t.app_id DESC").
		Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("db: authorized apps: %w", err)
	}
	return out, nil
}

// RevokeUserApp revokes every token an application holds of a user;
// ErrNotFound when it held none.
func (d *DB) RevokeUserApp(ctx context.Context, userID, appID int64) error {
	res, err := d.w.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", now()).
		Where("user_id = ? AND app_id = ? AND revoked_at IS NULL", userID, appID).Exec(ctx)
	return exactlyOne(res, err, "revoke user app")
}

// TouchToken records that a token was used (shown on the apps page).
func (d *DB) TouchToken(ctx context.Context, id int64) error {
	_, err := d.w.NewUpdate().Model((*Token)(nil)).Set("last_used_at = ?", now()).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: touch token: %w", err)
	}
	return nil
}
