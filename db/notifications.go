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

// NotificationByID returns one of accountID's notifications, if it may
// still be shown (same rules as Notifications).
func (d *DB) NotificationByID(ctx context.Context, accountID, id int64) (*Notification, error) {
	n := new(Notification)
	q := d.r.NewSelect().Model(n).Where("n.id = ?", id)
	err := whereNotificationShown(q, accountID).Scan(ctx)
	return n, notFound(err)
}

// DismissNotification deletes one of accountID's notifications.
func (d *DB) DismissNotification(ctx context.Context, accountID, id int64) error {
	res, err := d.w.NewDelete().Model((*Notification)(nil)).Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	return exactlyOne(res, err, "dismiss notification")
}

// ClearNotifications deletes all of accountID's notifications.
func (d *DB) ClearNotifications(ctx context.Context, accountID int64) error {
	if _, err := d.w.NewDelete().Model((*Notification)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("db: clear notifications: %w", err)
	}
	return nil
}

// CountNotificationsAfter counts accountID's shown notifications newer than
// afterID (the notifications marker), up to limit.
func (d *DB) CountNotificationsAfter(ctx context.Context, accountID int64, f NotificationFilter, afterID int64, limit int) (int, error) {
	inner := d.r.NewSelect().Model((*Notification)(nil)).Column("n.id").Where("n.id > ?", afterID)
	inner = whereNotificationShown(f.apply(inner), accountID).OrderExpr("n.id DESC").Limit(int64(limit))
	var n int
	if err := d.r.NewSelect().TableExpr("(?) AS unread", inner).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("db: unread notifications: %w", err)
	}
	return n, nil
}

// NotificationShown returns a notification of accountID if its notification
// list would show it (the very query of Notifications, narrowed to the
// one id), ErrNotFound otherwise.
func (d *DB) NotificationShown(ctx context.Context, accountID, id int64) (*Notification, error) {
	list, err := d.Notifications(ctx, accountID, NotificationFilter{}, Page{MaxID: id + 1, SinceID: id - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return list[0], nil
}

// dedupedNotifications are types that must not repeat for the same
// (recipient, sender, status): a re-sent Like or Follow notifies once.
var dedupedNotifications = map[string]bool{
	NotifyFavourite: true, NotifyReblog: true, NotifyFollow: true, NotifyFollowRequest: true, NotifyMention: true, NotifyStatus: true,
}

// Notify stores a notification for a local account unless the recipient
// blocks or mutes (with notifications) the sender, or it is a duplicate.
// It returns the notification, or nil when none was stored. Nobody is
// notified of their own doings, except of the end of their own poll.
func (t *Tx) Notify(ctx context.Context, n *Notification) (*Notification, error) {
	if n.AccountID == n.FromAccountID && n.Type != NotifyPoll {
		return nil, nil
	}
	// One statement asks all that decides whether it is stored, and
	// whether anyone is to be pushed: most notifications are stored and
	// most accounts have no push subscription.
	t0 := now()
	q := t.tx.NewSelect().
		ColumnExpr(`EXISTS (SELECT 1 FROM accounts ra WHERE ra.id = ? AND ra.domain = ''`+
			` AND NOT EXISTS (SELECT 1 FROM blocks WHERE (account_id = ? AND target_account_id = ?) OR (account_id = ? AND target_account_id = ?))`+
			` AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ? AND target_account_id = ? AND hide_notifications = TRUE AND (expires_at IS NULL OR expires_at > ?)))`,
			n.AccountID, n.AccountID, n.FromAccountID, n.FromAccountID, n.AccountID, n.AccountID, n.FromAccountID, t0)
	switch {
	case n.StatusID != nil && n.Type != NotifyFollow:
		q = q.ColumnExpr("EXISTS (SELECT 1 FROM thread_mutes tm WHERE tm.account_id = ? AND tm.thread_id = (SELECT thread_id FROM statuses WHERE id = ?))", n.AccountID, *n.StatusID)
	default:
		q = q.ColumnExpr("FALSE")
	}
	switch {
	case !dedupedNotifications[n.Type]:
		q = q.ColumnExpr("FALSE")
	case n.StatusID != nil:
		q = q.ColumnExpr("EXISTS (SELECT 1 FROM notifications WHERE account_id = ? AND type = ? AND from_account_id = ? AND status_id = ?)", n.AccountID, n.Type, n.FromAccountID, *n.StatusID)
	default:
		q = q.ColumnExpr("EXISTS (SELECT 1 FROM notifications WHERE account_id = ? AND type = ? AND from_account_id = ? AND status_id IS NULL)", n.AccountID, n.Type, n.FromAccountID)
	}
	q = q.ColumnExpr("EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.account_id = ? AND EXISTS (SELECT 1 FROM oauth_tokens ot WHERE ot.id = ps.token_id AND "+liveTokenCondition+"))", n.AccountID, t0)
	var deliverable, threadMuted, duplicate, pushSubscribed bool
	if err := q.Scan(ctx, &deliverable, &threadMuted, &duplicate, &pushSubscribed); err != nil {
		return nil, fmt.Errorf("db: notify: %w", err)
	}
	// Not local, blocked or muted with notifications, in a muted thread
	// (a follow is told all the same), or told already.
	if !deliverable || threadMuted || duplicate {
		return nil, nil
	}
	n.ID, n.CreatedAt = t.d.NewID(), now()
	if _, err := t.tx.NewInsert().Model(n).Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: insert notification: %w", err)
	}
	if pushSubscribed {
		if err := t.enqueuePushes(ctx, n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// DeleteNotifications removes notifications of a type from one account
// about a status (an undone Like or boost) or about nothing (an undone Follow).
func (t *Tx) DeleteNotifications(ctx context.Context, typ string, fromID int64, statusID *int64, toID int64) error {
	q := t.tx.NewDelete().Model((*Notification)(nil)).Where("type = ? AND from_account_id = ? AND account_id = ?", typ, fromID, toID)
	if statusID != nil {
		q = q.Where("status_id = ?", *statusID)
	}
	_, err := q.Exec(ctx)
	return err
}
