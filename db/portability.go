package db

import (
	"context"
	"fmt"
)

// Whole-account reads for export and archives: every row of one kind that
// an account owns, oldest first. They are unpaged on purpose: one
// person's relationships are small enough to hold, and an export must be
// a consistent whole rather than pages that shift while read.

// FollowedAccount is one accepted follow with the account followed.
type FollowedAccount struct {
	Follow  Follow
	Account *Account
}

// AllFollowing lists the accepted follows of accountID with their targets.
func (d *DB) AllFollowing(ctx context.Context, accountID int64) ([]FollowedAccount, error) {
	var follows []Follow
	if err := d.r.NewSelect().Model(&follows).Where("f.account_id = ? AND f.accepted", accountID).Order("f.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: all following: %w", err)
	}
	ids := make([]int64, len(follows))
	for i, f := range follows {
		ids[i] = f.TargetAccountID
	}
	accounts, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]FollowedAccount, 0, len(follows))
	for _, f := range follows {
		if a := accounts[f.TargetAccountID]; a != nil {
			out = append(out, FollowedAccount{Follow: f, Account: a})
		}
	}
	return out, nil
}

// AllBlocked lists the accounts accountID blocks.
func (d *DB) AllBlocked(ctx context.Context, accountID int64) ([]*Account, error) {
	var list []*Account
	err := d.r.NewSelect().Model(&list).Join("JOIN blocks AS b ON b.target_account_id = a.id").
		Where("b.account_id = ?", accountID).Order("b.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: all blocked: %w", err)
	}
	return list, nil
}

// MutedAccount is one unexpired mute with the account muted.
type MutedAccount struct {
	Mute    Mute
	Account *Account
}

// AllMuted lists the unexpired mutes of accountID with their targets.
func (d *DB) AllMuted(ctx context.Context, accountID int64) ([]MutedAccount, error) {
	var mutes []Mute
	err := d.r.NewSelect().Model(&mutes).Where("account_id = ? AND (expires_at IS NULL OR expires_at > ?)", accountID, now()).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: all muted: %w", err)
	}
	ids := make([]int64, len(mutes))
	for i, m := range mutes {
		ids[i] = m.TargetAccountID
	}
	accounts, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]MutedAccount, 0, len(mutes))
	for _, m := range mutes {
		if a := accounts[m.TargetAccountID]; a != nil {
			out = append(out, MutedAccount{Mute: m, Account: a})
		}
	}
	return out, nil
}

// AllAccountDomainBlocks lists the domains accountID blocks.
func (d *DB) AllAccountDomainBlocks(ctx context.Context, accountID int64) ([]string, error) {
	var domains []string
	err := d.r.NewSelect().Model((*AccountDomainBlock)(nil)).Column("domain").Where("account_id = ?", accountID).
		Order("id").Scan(ctx, &domains)
	if err != nil {
		return nil, fmt.Errorf("db: all account domain blocks: %w", err)
	}
	return domains, nil
}

// AllBookmarkURIs lists the URIs of the statuses accountID bookmarked.
func (d *DB) AllBookmarkURIs(ctx context.Context, accountID int64) ([]string, error) {
	var uris []string
	err := d.r.NewSelect().Table("bookmarks").ColumnExpr("s.uri").Join("JOIN statuses AS s ON s.id = bookmarks.status_id").
		Where("bookmarks.account_id = ?", accountID).Order("bookmarks.id").Scan(ctx, &uris)
	if err != nil {
		return nil, fmt.Errorf("db: all bookmarks: %w", err)
	}
	return uris, nil
}

// ListMembership is one account on one of an owner's lists.
type ListMembership struct {
	ListID    int64    `bun:"list_id"`
	ListTitle string   `bun:"title"`
	Account   *Account `bun:"-"`
	AccountID int64    `bun:"account_id"`
}

// AllListMemberships lists every member of every list of ownerID, by list.
func (d *DB) AllListMemberships(ctx context.Context, ownerID int64) ([]ListMembership, error) {
	var rows []ListMembership
	err := d.r.NewSelect().Table("list_accounts").ColumnExpr("list_accounts.list_id, l.title, list_accounts.account_id").
		Join("JOIN lists AS l ON l.id = list_accounts.list_id").Where("l.account_id = ?", ownerID).
		Order("l.id", "list_accounts.account_id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: all list memberships: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.AccountID
	}
	accounts, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Account = accounts[r.AccountID]; r.Account != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// FollowerOf is one local account's accepted follow of a target.
type FollowerOf struct {
	Follow   Follow
	Follower *Account
}

// LocalFollowsOf lists the accepted follows of targetID by local
// accounts, with the followers (the people a Move of targetID moves).
func (d *DB) LocalFollowsOf(ctx context.Context, targetID int64) ([]FollowerOf, error) {
	var follows []Follow
	err := d.r.NewSelect().Model(&follows).Join("JOIN accounts AS fa ON fa.id = f.account_id").
		Where("f.target_account_id = ? AND f.accepted AND fa.domain = ''", targetID).Order("f.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: local follows of: %w", err)
	}
	ids := make([]int64, len(follows))
	for i, f := range follows {
		ids[i] = f.AccountID
	}
	accounts, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]FollowerOf, 0, len(follows))
	for _, f := range follows {
		if a := accounts[f.AccountID]; a != nil {
			out = append(out, FollowerOf{Follow: f, Follower: a})
		}
	}
	return out, nil
}

// SetMovedTo records, in a transaction, that an account moved to another.
func (t *Tx) SetMovedTo(ctx context.Context, id, targetID int64) error {
	_, err := t.tx.NewUpdate().Model((*Account)(nil)).Set("moved_to_account_id = ?", targetID).Set("updated_at = ?", now()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: set moved to: %w", err)
	}
	return nil
}

// SetAlsoKnownAs stores the aliases of a local account (the accounts it
// says it also is, which a Move from them to it needs).
func (d *DB) SetAlsoKnownAs(ctx context.Context, id int64, uris []string) error {
	a := &Account{ID: id, AlsoKnownAs: uris, UpdatedAt: now()}
	_, err := d.w.NewUpdate().Model(a).Column("also_known_as", "updated_at").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: set also known as: %w", err)
	}
	return nil
}

// AllStatusIDs lists the IDs of accountID's statuses and boosts, oldest first.
func (d *DB) AllStatusIDs(ctx context.Context, accountID int64) ([]int64, error) {
	var ids []int64
	err := d.r.NewSelect().Model((*Status)(nil)).Column("s.id").Where("s.account_id = ?", accountID).Order("s.id").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: all status ids: %w", err)
	}
	return ids, nil
}

// AllFavouriteURIs lists the URIs of the statuses accountID favourited.
func (d *DB) AllFavouriteURIs(ctx context.Context, accountID int64) ([]string, error) {
	var uris []string
	err := d.r.NewSelect().Table("favourites").ColumnExpr("s.uri").Join("JOIN statuses AS s ON s.id = favourites.status_id").
		Where("favourites.account_id = ?", accountID).Order("favourites.id").Scan(ctx, &uris)
	if err != nil {
		return nil, fmt.Errorf("db: all favourites: %w", err)
	}
	return uris, nil
}
