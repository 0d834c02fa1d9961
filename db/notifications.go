package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// NotificationFilter narrows a notification list (Mastodon's types[],
// exclude_types[] and account_id).
type NotificationFilter struct {
	Types        []string
	ExcludeTypes []string
	FromID       int64
}

// apply adds the filter's conditions on alias n.
func (f NotificationFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if len(f.Types) > 0 {
		q = q.Where("n.type IN (?)", bun.List(f.Types))
	}
	if len(f.ExcludeTypes) > 0 {
		q = q.Where("n.type NOT IN (?)", bun.List(f.ExcludeTypes))
	}
	if f.FromID != 0 {
		q = q.Where("n.from_account_id = ?", f.FromID)
	}
	return q
}

// whereNotificationShown keeps the notifications (alias n) of accountID that
// may be shown: not from suspended accounts, accounts blocked either way,
// muted (with notifications) or on a domain the recipient blocks, and only
// about statuses the recipient may still see.
func whereNotificationShown(q *bun.SelectQuery, accountID int64) *bun.SelectQuery {
	q = q.Where("n.account_id = ?", accountID).
		Where("NOT EXISTS (SELECT 1 FROM accounts na WHERE na.id = n.from_account_id AND na.suspended_at IS NOT NULL)").
		Where("NOT EXISTS (SELECT 1 FROM blocks nb WHERE (nb.account_id = n.account_id AND nb.target_account_id = n.from_account_id) OR (nb.account_id = n.from_account_id AND nb.target_account_id = n.account_id))").
		Where("NOT EXISTS (SELECT 1 FROM mutes nm WHERE nm.account_id = n.account_id AND nm.target_account_id = n.from_account_id AND nm.hide_notifications = TRUE AND (nm.expires_at IS NULL OR nm.expires_at > ?))", now()).
		Where("NOT EXISTS (SELECT 1 FROM account_domain_blocks nd JOIN accounts nda ON nda.domain = nd.domain WHERE nd.account_id = n.account_id AND nda.id = n.from_account_id)")
	cond, args := visibleTo("ns", ViewerOf(accountID))
	return q.Where("(n.status_id IS NULL OR EXISTS (SELECT 1 FROM statuses ns WHERE ns.id = n.status_id AND "+cond+"))", args...)
}

// Notifications lists a local account's notifications, newest first, leaving
// out those whose status the account may no longer see and those from
// accounts it mutes (with notifications) or blocks.
func (d *DB) Notifications(ctx context.Context, accountID int64, f NotificationFilter, p Page) ([]*Notification, error) {
	var list []*Notification
	q := d.r.NewSelect().Model(&list)
	q = whereNotificationShown(f.apply(q), accountID)
	if err := p.apply(q, "n.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: notifications: %w", err)
	}
	return newestFirst(p, list), nil
}
