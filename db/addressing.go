package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// RemoteFollowerInboxes returns where to deliver to an account's remote
// followers: one shared inbox per server that has one, else each
// follower's own inbox. Suspended followers get nothing.
func (d *DB) RemoteFollowerInboxes(ctx context.Context, accountID int64) ([]string, error) {
	var inboxes []string
	err := d.r.NewRaw(`SELECT DISTINCT CASE WHEN a.shared_inbox_uri <> '' THEN a.shared_inbox_uri ELSE a.inbox_uri END
		FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = ? AND f.accepted = TRUE AND a.domain <> '' AND a.suspended_at IS NULL`, accountID).Scan(ctx, &inboxes)
	if err != nil {
		return nil, fmt.Errorf("db: follower inboxes: %w", err)
	}
	return inboxes, nil
}

// AccountsByURIs returns the stored accounts among uris, keyed by URI.
func (d *DB) AccountsByURIs(ctx context.Context, uris []string) (map[string]*Account, error) {
	out := make(map[string]*Account, len(uris))
	if len(uris) == 0 {
		return out, nil
	}
	var list []*Account
	if err := d.r.NewSelect().Model(&list).Where("uri IN (?)", bun.List(uris)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: accounts by uris: %w", err)
	}
	for _, a := range list {
		out[a.URI] = a
	}
	return out, nil
}

// AnyLocalFollows reports whether any local account follows (accepted) one
// of the accounts: the inbox keeps posts only from actors someone here follows.
func (d *DB) AnyLocalFollows(ctx context.Context, accountID int64) (bool, error) {
	return d.HasLocalFollowers(ctx, accountID)
}

// LocalFollowerCollectionOwner returns the local account whose followers
// collection URI this is, or ErrNotFound.
func (d *DB) LocalFollowerCollectionOwner(ctx context.Context, uri string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("followers_uri = ? AND domain = ''", uri).Limit(1).Scan(ctx)
	return a, notFound(err)
}

// LocalBoostersOf returns local accounts that boosted a status.
func (d *DB) LocalBoostersOf(ctx context.Context, statusID int64) ([]int64, error) {
	var ids []int64
	err := d.r.NewSelect().Table("statuses").Column("statuses.account_id").
		Join("JOIN accounts ba ON ba.id = statuses.account_id").
		Where("statuses.reblog_of_id = ? AND ba.domain = ''", statusID).Scan(ctx, &ids)
	return ids, err
}

// InteractedInboxes are the inboxes of remote accounts that boosted or
// replied to a status: a Delete or Update should reach them too.
func (d *DB) InteractedInboxes(ctx context.Context, statusID int64) ([]string, error) {
	var inboxes []string
	err := d.r.NewRaw(`SELECT DISTINCT CASE WHEN a.shared_inbox_uri <> '' THEN a.shared_inbox_uri ELSE a.inbox_uri END
		FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE (s.reblog_of_id = ? OR s.in_reply_to_id = ?) AND a.domain <> '' AND a.suspended_at IS NULL`, statusID, statusID).Scan(ctx, &inboxes)
	return inboxes, err
}
