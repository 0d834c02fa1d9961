package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// AdminAccountFilter selects accounts for admins (Mastodon's admin account
// filters, v1 and v2 alike). Empty fields do not filter.
type AdminAccountFilter struct {
	Origin      string   // "local" or "remote"
	ByDomain    string   // the domain of remote accounts
	Status      string   // active, pending, disabled, silenced, suspended
	Staff       bool     // admins and moderators only
	Roles       []string // user roles (admin, moderator, user)
	Username    string   // prefix, case-insensitive
	DisplayName string   // substring, case-insensitive
	Email       string   // substring, case-insensitive
	IP          string   // the sign-up address
	InvitedBy   int64    // the account whose invite was used
	Exclude     string   // a local username never listed (the instance actor)
}

// AdminAccountStatuses are the values of AdminAccountFilter.Status.
var AdminAccountStatuses = []string{"active", "pending", "disabled", "silenced", "suspended"}

// AdminAccount is an account as admins see it: with its login when local.
type AdminAccount struct {
	Account *Account
	User    *User // nil for remote and brand accounts
}

// AdminAccounts lists accounts matching f, newest first, paged by id.
func (d *DB) AdminAccounts(ctx context.Context, f AdminAccountFilter, p Page) ([]AdminAccount, error) {
	var list []*Account
	q := d.r.NewSelect().Model(&list).Join("LEFT JOIN users AS u ON u.account_id = a.id")
	q = f.apply(q)
	if err := p.apply(q, "a.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: admin accounts: %w", err)
	}
	list = newestFirst(p, list)
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	users, err := d.usersOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]AdminAccount, len(list))
	for i, a := range list {
		out[i] = AdminAccount{Account: a, User: users[a.ID]}
	}
	return out, nil
}

func (f AdminAccountFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	switch f.Origin {
	case "local":
		q = q.Where("a.domain = ''")
	case "remote":
		q = q.Where("a.domain <> ''")
	}
	if f.ByDomain != "" {
		q = q.Where("lower(a.domain) = lower(?)", f.ByDomain)
	}
	switch f.Status {
	case "active":
		q = q.Where("a.suspended_at IS NULL AND (u.id IS NULL OR (u.disabled = FALSE AND u.approved = TRUE))")
	case "pending":
		q = q.Where("u.approved = FALSE")
	case "disabled":
		q = q.Where("u.disabled = TRUE")
	case "silenced":
		q = q.Where("a.silenced_at IS NOT NULL")
	case "suspended":
		q = q.Where("a.suspended_at IS NOT NULL")
	}
	if f.Staff {
		q = q.Where("u.role IN (?)", bun.List([]string{RoleAdmin, RoleModerator}))
	}
	if len(f.Roles) > 0 {
		q = q.Where("u.role IN (?)", bun.List(f.Roles))
	}
	if f.Username != "" {
		q = q.Where("lower(a.username) LIKE ? ESCAPE '\\'", likeEscape(f.Username)+"%")
	}
	if f.DisplayName != "" {
		q = q.Where("lower(a.display_name) LIKE ? ESCAPE '\\'", "%"+likeEscape(f.DisplayName)+"%")
	}
	if f.Email != "" {
		q = q.Where("lower(u.email) LIKE ? ESCAPE '\\'", "%"+likeEscape(f.Email)+"%")
	}
	if f.IP != "" {
		q = q.Where("u.sign_up_ip = ?", f.IP)
	}
	if f.InvitedBy != 0 {
		q = q.Where("u.invite_id IN (SELECT id FROM invites WHERE created_by_user_id IN (SELECT id FROM users WHERE account_id = ?))", f.InvitedBy)
	}
	if f.Exclude != "" {
		q = q.Where("NOT (a.domain = '' AND a.username = ?)", f.Exclude)
	}
	return q
}

// AdminAccountByID returns one account with its login (if any).
func (d *DB) AdminAccountByID(ctx context.Context, id int64) (AdminAccount, error) {
	a, err := d.AccountByID(ctx, id)
	if err != nil {
		return AdminAccount{}, err
	}
	users, err := d.usersOf(ctx, []int64{id})
	return AdminAccount{Account: a, User: users[id]}, err
}

// usersOf loads the logins of accounts, by account id.
func (d *DB) usersOf(ctx context.Context, accountIDs []int64) (map[int64]*User, error) {
	out := map[int64]*User{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var users []*User
	if err := d.r.NewSelect().Model(&users).Where("u.account_id IN (?)", bun.List(accountIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: users of accounts: %w", err)
	}
	for _, u := range users {
		out[u.AccountID] = u
	}
	return out, nil
}

// SetAccountSilenced limits an account (only its followers see its posts,
// by the visibility rule) or lifts the limit.
func (d *DB) SetAccountSilenced(ctx context.Context, id int64, on bool) error {
	return d.setAccountMark(ctx, id, "silenced_at", on)
}

// SetAccountSensitized marks all of an account's media as sensitive, or
// lifts the mark.
func (d *DB) SetAccountSensitized(ctx context.Context, id int64, on bool) error {
	return d.setAccountMark(ctx, id, "sensitized_at", on)
}

func (d *DB) setAccountMark(ctx context.Context, id int64, column string, on bool) error {
	q := d.w.NewUpdate().Model((*Account)(nil)).Set("updated_at = ?", now()).Where("id = ?", id)
	if on {
		q = q.Set(column+" = COALESCE("+column+", ?)", now())
	} else {
		q = q.Set(column + " = NULL")
	}
	res, err := q.Exec(ctx)
	return exactlyOne(res, err, "set "+column)
}

// RejectSignUp removes an account whose sign-up waits for approval, with its
// login (nothing else exists yet). An approved login is left alone.
func (d *DB) RejectSignUp(ctx context.Context, accountID int64) error {
	return d.InTx(ctx, func(tx *Tx) error {
		n, err := tx.tx.NewSelect().Model((*User)(nil)).Where("account_id = ? AND approved = FALSE", accountID).Count(ctx)
		if err != nil {
			return fmt.Errorf("db: reject sign-up: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		if _, err := tx.tx.NewDelete().Model((*User)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
			return fmt.Errorf("db: reject sign-up: %w", err)
		}
		_, err = tx.tx.NewDelete().Model((*Account)(nil)).Where("id = ?", accountID).Exec(ctx)
		return err
	})
}

// DeleteLocalAccountData removes what a local account owns (statuses,
// relations, favourites) and its login with its tokens; the account row
// stays, suspended, so its URI and username stay taken.
func (d *DB) DeleteLocalAccountData(ctx context.Context, id int64) error {
	if err := d.DeleteRemoteAccountContent(ctx, id); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.NewDelete().TableExpr("oauth_tokens").Where("account_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("db: delete account tokens: %w", err)
		}
		_, err := tx.tx.NewDelete().Model((*User)(nil)).Where("account_id = ?", id).Exec(ctx)
		return err
	})
}

// DeleteAccountMedia removes every attachment row of an account (its
// posts' media, its uploads, its avatar and header) and returns them, so
// that the caller removes their files from the media store.
func (d *DB) DeleteAccountMedia(ctx context.Context, id int64) ([]*MediaAttachment, error) {
	var list []*MediaAttachment
	err := d.InTx(ctx, func(tx *Tx) error {
		list = nil // a retried transaction starts over
		if _, err := tx.tx.NewUpdate().Model((*Account)(nil)).Set("avatar_media_id = NULL").Set("header_media_id = NULL").
			Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		return tx.tx.NewDelete().Model((*MediaAttachment)(nil)).ModelTableExpr("media_attachments").
			Where("account_id = ?", id).Returning("*").Scan(ctx, &list)
	})
	if err != nil {
		return nil, fmt.Errorf("db: delete account media: %w", err)
	}
	return list, nil
}

// StaffAccountIDs lists the accounts of admins and moderators who may act
// (not disabled, not suspended): they hear of sign-ups and reports.
func (t *Tx) StaffAccountIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := t.tx.NewSelect().TableExpr("users AS u").Join("JOIN accounts AS a ON a.id = u.account_id").Column("a.id").
		Where("u.role IN (?) AND u.disabled = FALSE AND a.suspended_at IS NULL", bun.List([]string{RoleAdmin, RoleModerator})).
		Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: staff: %w", err)
	}
	return ids, nil
}
