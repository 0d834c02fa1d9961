package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// FollowBetween returns the follow (or request) from account to target.
func (d *DB) FollowBetween(ctx context.Context, accountID, targetID int64) (*Follow, error) {
	return followBetween(ctx, d.r, accountID, targetID)
}

// FollowBetween re-reads a follow inside the transaction.
func (t *Tx) FollowBetween(ctx context.Context, accountID, targetID int64) (*Follow, error) {
	return followBetween(ctx, t.tx, accountID, targetID)
}

func followBetween(ctx context.Context, idb bun.IDB, accountID, targetID int64) (*Follow, error) {
	f := new(Follow)
	err := idb.NewSelect().Model(f).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Scan(ctx)
	return f, notFound(err)
}

// FollowByURI finds a follow by the id of its Follow activity.
func (d *DB) FollowByURI(ctx context.Context, uri string) (*Follow, error) {
	f := new(Follow)
	err := d.r.NewSelect().Model(f).Where("uri = ?", uri).Limit(1).Scan(ctx)
	return f, notFound(err)
}

// UpsertFollow creates a follow or updates its options; when accepted is
// true the counters are updated if it was not accepted before. It returns
// the stored follow and whether it was newly created.
func (t *Tx) UpsertFollow(ctx context.Context, f *Follow) (created bool, err error) {
	existing, err := t.FollowBetween(ctx, f.AccountID, f.TargetAccountID)
	switch {
	case errors.Is(err, ErrNotFound):
		ts := now()
		f.ID = t.d.NewID()
		f.CreatedAt, f.UpdatedAt = ts, ts
		if _, err := t.tx.NewInsert().Model(f).Exec(ctx); err != nil {
			return false, fmt.Errorf("db: insert follow: %w", err)
		}
		if f.Accepted {
			if err := t.followCounters(ctx, f, +1); err != nil {
				return false, err
			}
			return true, t.homeFeedFollowed(ctx, f.AccountID, f.TargetAccountID)
		}
		return true, nil
	case err != nil:
		return false, err
	}
	wasAccepted, showedReblogs := existing.Accepted, existing.ShowReblogs
	existing.ShowReblogs, existing.Notify, existing.Languages = f.ShowReblogs, f.Notify, f.Languages
	if f.URI != "" {
		existing.URI = f.URI
	}
	existing.Accepted = existing.Accepted || f.Accepted
	existing.UpdatedAt = now()
	if _, err := t.tx.NewUpdate().Model(existing).WherePK().Exec(ctx); err != nil {
		return false, fmt.Errorf("db: update follow: %w", err)
	}
	*f = *existing
	switch {
	case !wasAccepted && existing.Accepted:
		if err := t.followCounters(ctx, existing, +1); err != nil {
			return false, err
		}
		return false, t.homeFeedFollowed(ctx, f.AccountID, f.TargetAccountID)
	case existing.Accepted && !showedReblogs && existing.ShowReblogs:
		return false, t.homeFeedFollowed(ctx, f.AccountID, f.TargetAccountID)
	case existing.Accepted && showedReblogs && !existing.ShowReblogs:
		return false, t.pruneHomeFeed(ctx, f.AccountID, "s.account_id = ? AND s.reblog_of_id IS NOT NULL", f.TargetAccountID)
	}
	return false, nil
}

// AcceptFollow marks a follow request accepted (idempotent).
func (t *Tx) AcceptFollow(ctx context.Context, f *Follow) error {
	if f.Accepted {
		return nil
	}
	res, err := t.tx.NewUpdate().Model((*Follow)(nil)).Set("accepted = TRUE").Set("updated_at = ?", now()).
		Where("id = ? AND accepted = FALSE", f.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: accept follow: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	f.Accepted = true
	if err := t.followCounters(ctx, f, +1); err != nil {
		return err
	}
	return t.homeFeedFollowed(ctx, f.AccountID, f.TargetAccountID)
}

// DeleteFollow removes a follow or request (idempotent), and takes the
// target off the follower's lists.
func (t *Tx) DeleteFollow(ctx context.Context, accountID, targetID int64) (*Follow, error) {
	f, err := t.FollowBetween(ctx, accountID, targetID)
	if err != nil {
		return nil, err
	}
	if _, err := t.tx.NewDelete().Model((*Follow)(nil)).Where("id = ?", f.ID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: delete follow: %w", err)
	}
	if err := t.dropListMemberships(ctx, accountID, targetID); err != nil {
		return nil, err
	}
	if f.Accepted {
		if err := t.followCounters(ctx, f, -1); err != nil {
			return nil, err
		}
		// The target's statuses and the replies to it leave the feed,
		// unless they still pass (a boost by someone still followed).
		return f, t.pruneHomeFeed(ctx, accountID, "s.account_id = ? OR s.in_reply_to_account_id = ?", targetID, targetID)
	}
	return f, nil
}

func (t *Tx) followCounters(_ context.Context, f *Follow, delta int) error {
	t.addCounter("accounts", "following_count", f.AccountID, delta)
	t.addCounter("accounts", "followers_count", f.TargetAccountID, delta)
	return nil
}

// IsBlocked reports whether either account blocks the other.
func (d *DB) IsBlocked(ctx context.Context, a, b int64) (bool, error) {
	return d.r.NewSelect().Model((*Block)(nil)).
		Where("(account_id = ? AND target_account_id = ?) OR (account_id = ? AND target_account_id = ?)", a, b, b, a).Exists(ctx)
}

// InsertBlock records a block and drops the follows both ways.
func (t *Tx) InsertBlock(ctx context.Context, b *Block) error {
	b.ID, b.CreatedAt = t.d.NewID(), now()
	if _, err := t.tx.NewInsert().Model(b).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("db: insert block: %w", err)
	}
	for _, pair := range [][2]int64{{b.AccountID, b.TargetAccountID}, {b.TargetAccountID, b.AccountID}} {
		if _, err := t.DeleteFollow(ctx, pair[0], pair[1]); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// DeleteBlock lifts a block (idempotent).
func (t *Tx) DeleteBlock(ctx context.Context, accountID, targetID int64) error {
	_, err := t.tx.NewDelete().Model((*Block)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: delete block: %w", err)
	}
	return nil
}

// InsertFavourite records a like; created is false when it already existed.
func (t *Tx) InsertFavourite(ctx context.Context, f *Favourite) (created bool, err error) {
	f.ID, f.CreatedAt = t.d.NewID(), now()
	res, err := t.tx.NewInsert().Model(f).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: insert favourite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	t.addCounter("statuses", "favourites_count", f.StatusID, +1)
	return true, nil
}

// DeleteFavourite removes a like (idempotent) and returns it.
func (t *Tx) DeleteFavourite(ctx context.Context, accountID, statusID int64) (*Favourite, error) {
	f := new(Favourite)
	if err := t.tx.NewSelect().Model(f).Where("account_id = ? AND status_id = ?", accountID, statusID).Scan(ctx); err != nil {
		return nil, notFound(err)
	}
	if _, err := t.tx.NewDelete().Model(f).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: delete favourite: %w", err)
	}
	t.addCounter("statuses", "favourites_count", statusID, -1)
	return f, nil
}

// FavouriteByURI finds a like by its Like activity id.
func (d *DB) FavouriteByURI(ctx context.Context, uri string) (*Favourite, error) {
	f := new(Favourite)
	err := d.r.NewSelect().Model(f).Where("uri = ?", uri).Limit(1).Scan(ctx)
	return f, notFound(err)
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
	deliverable, err := t.tx.NewSelect().TableExpr("accounts AS ra").
		Where("ra.id = ? AND ra.domain = ''", n.AccountID).
		Where(`NOT EXISTS (SELECT 1 FROM blocks WHERE (account_id = ? AND target_account_id = ?) OR (account_id = ? AND target_account_id = ?))`,
			n.AccountID, n.FromAccountID, n.FromAccountID, n.AccountID).
		Where(`NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ? AND target_account_id = ? AND hide_notifications = TRUE AND (expires_at IS NULL OR expires_at > ?))`,
			n.AccountID, n.FromAccountID, now()).
		Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: notify: %w", err)
	}
	if !deliverable { // not local, or blocked or muted with notifications
		return nil, nil
	}
	if n.StatusID != nil {
		muted, err := t.tx.NewSelect().TableExpr("thread_mutes AS tm").
			Where("tm.account_id = ? AND tm.thread_id = (SELECT thread_id FROM statuses WHERE id = ?)", n.AccountID, *n.StatusID).Exists(ctx)
		if err != nil {
			return nil, fmt.Errorf("db: notify: %w", err)
		}
		if muted && n.Type != NotifyFollow {
			return nil, nil
		}
	}
	if dedupedNotifications[n.Type] {
		q := t.tx.NewSelect().Model((*Notification)(nil)).Where("account_id = ? AND type = ? AND from_account_id = ?", n.AccountID, n.Type, n.FromAccountID)
		if n.StatusID != nil {
			q = q.Where("status_id = ?", *n.StatusID)
		} else {
			q = q.Where("status_id IS NULL")
		}
		if dup, err := q.Exists(ctx); err != nil || dup {
			return nil, err
		}
	}
	n.ID, n.CreatedAt = t.d.NewID(), now()
	if _, err := t.tx.NewInsert().Model(n).Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: insert notification: %w", err)
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

// LocalFollowersOf returns the IDs of local accounts that follow target
// (accepted follows) — the recipients of its posts on this instance.
func (d *DB) LocalFollowersOf(ctx context.Context, targetID int64) ([]int64, error) {
	var ids []int64
	err := d.r.NewSelect().Table("follows").Column("follows.account_id").
		Join("JOIN accounts fa ON fa.id = follows.account_id").
		Where("follows.target_account_id = ? AND follows.accepted = TRUE AND fa.domain = ''", targetID).Scan(ctx, &ids)
	return ids, err
}

// HasLocalFollowers reports whether any local account follows the account.
func (d *DB) HasLocalFollowers(ctx context.Context, targetID int64) (bool, error) {
	return d.r.NewSelect().Model((*Follow)(nil)).
		Join("JOIN accounts fa ON fa.id = f.account_id").
		Where("f.target_account_id = ? AND f.accepted = TRUE AND fa.domain = ''", targetID).Exists(ctx)
}

// NotifyingFollowers returns local followers that asked to be notified of
// the account's posts (follow with notify=true).
func (d *DB) NotifyingFollowers(ctx context.Context, targetID int64) ([]int64, error) {
	var ids []int64
	err := d.r.NewSelect().Table("follows").Column("follows.account_id").
		Join("JOIN accounts fa ON fa.id = follows.account_id").
		Where("follows.target_account_id = ? AND follows.accepted = TRUE AND follows.notify = TRUE AND fa.domain = ''", targetID).Scan(ctx, &ids)
	return ids, err
}

// BlockURI returns the id of the Block activity of account against target.
func (d *DB) BlockURI(ctx context.Context, accountID, targetID int64) (string, error) {
	b := new(Block)
	err := d.r.NewSelect().Model(b).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Scan(ctx)
	return b.URI, notFound(err)
}
