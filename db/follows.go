package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// FollowersAmong returns the candidates that follow target (accepted).
func (d *DB) FollowersAmong(ctx context.Context, targetID int64, candidates []int64) ([]int64, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	var ids []int64
	err := d.r.NewRaw("SELECT account_id FROM follows WHERE target_account_id = ? AND accepted = TRUE AND account_id IN (?)",
		targetID, bun.List(candidates)).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: followers among: %w", err)
	}
	return ids, nil
}

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

// FollowRequestsPage lists accounts waiting for target to accept their
// follow, most recent request first; cursors are follow IDs.
func (d *DB) FollowRequestsPage(ctx context.Context, targetID int64, p Page) ([]*Account, []int64, error) {
	accts, cursors, _, err := d.accountPage(ctx, "follows", "account_id", "NULL", p,
		"r.target_account_id = ? AND r.accepted = FALSE AND a.suspended_at IS NULL", targetID)
	return accts, cursors, err
}

// CountFollowRequests counts the pending requests to follow target.
func (d *DB) CountFollowRequests(ctx context.Context, targetID int64) (int64, error) {
	// Every verify_credentials reports it: kept until follows or accounts
	// other than their counters (a requester's suspension) are written.
	d.freshen(ctx)
	if n, ok := d.reads.followRequests.get(targetID); ok {
		return n, nil
	}
	gen := d.reads.followRequests.generation()
	n, err := d.r.NewSelect().Model((*Follow)(nil)).
		Join("JOIN accounts AS a ON a.id = f.account_id").
		Where("f.target_account_id = ? AND f.accepted = FALSE AND a.suspended_at IS NULL", targetID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: count follow requests: %w", err)
	}
	d.reads.followRequests.put(targetID, int64(n), gen)
	return int64(n), nil
}

// FollowsWithDomain returns the accounts of domain that account follows
// (or asked to follow) and those that follow it (or asked to).
func (d *DB) FollowsWithDomain(ctx context.Context, accountID int64, domain string) (following, followers []*Account, err error) {
	domain = strings.ToLower(domain)
	if err := d.r.NewSelect().Model(&following).
		Where("a.domain = ? AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = a.id)", domain, accountID).
		Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: follows with domain: %w", err)
	}
	if err := d.r.NewSelect().Model(&followers).
		Where("a.domain = ? AND EXISTS (SELECT 1 FROM follows f WHERE f.target_account_id = ? AND f.account_id = a.id)", domain, accountID).
		Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: follows with domain: %w", err)
	}
	return following, followers, nil
}

// FamiliarFollowers returns, for each of ids, the accounts the viewer
// follows that follow it too (accepted follows both; accounts that hide
// their collections are left out).
func (d *DB) FamiliarFollowers(ctx context.Context, viewerID int64, ids []int64) (map[int64][]*Account, error) {
	out := map[int64][]*Account{}
	if len(ids) == 0 || viewerID == 0 {
		return out, nil
	}
	var rows []struct {
		TargetID int64 `bun:"familiar_target_id"`
		Account  `bun:",extend"`
	}
	err := d.r.NewSelect().TableExpr("follows AS f1").ColumnExpr("f2.target_account_id AS familiar_target_id, a.*").
		Join("JOIN follows AS f2 ON f2.account_id = f1.target_account_id").
		Join("JOIN accounts AS a ON a.id = f1.target_account_id").
		Where("f1.account_id = ? AND f1.accepted = TRUE AND f2.accepted = TRUE AND f2.target_account_id IN (?)", viewerID, bun.List(ids)).
		Where("a.suspended_at IS NULL AND a.hide_collections = FALSE").
		OrderExpr("f2.id DESC").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: familiar followers: %w", err)
	}
	for i := range rows {
		a := rows[i].Account
		out[rows[i].TargetID] = append(out[rows[i].TargetID], &a)
	}
	return out, nil
}

// IsFollowRequest reports whether follower has a pending request to follow target.
func (d *DB) IsFollowRequest(ctx context.Context, followerID, targetID int64) (bool, error) {
	f, err := d.FollowBetween(ctx, followerID, targetID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !f.Accepted, nil
}

// FollowersPage lists accounts following target (accepted), most recent follow first, keyed by follow ID.
func (d *DB) FollowersPage(ctx context.Context, targetID int64, p Page) ([]*Account, []int64, error) {
	return d.followPage(ctx, "f.target_account_id", "f.account_id", targetID, p)
}

// FollowingPage lists accounts that account follows (accepted), most recent first.
func (d *DB) FollowingPage(ctx context.Context, accountID int64, p Page) ([]*Account, []int64, error) {
	return d.followPage(ctx, "f.account_id", "f.target_account_id", accountID, p)
}

func (d *DB) followPage(ctx context.Context, whereCol, joinCol string, id int64, p Page) ([]*Account, []int64, error) {
	var rows []struct {
		FollowID int64 `bun:"follow_id"`
		Account  `bun:",extend"`
	}
	q := d.r.NewSelect().TableExpr("follows AS f").ColumnExpr("f.id AS follow_id, a.*").
		Join("JOIN accounts AS a ON a.id = "+joinCol).
		Where(whereCol+" = ? AND f.accepted = TRUE AND a.suspended_at IS NULL", id)
	if err := p.apply(q, "f.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: follow page: %w", err)
	}
	rows = newestFirst(p, rows)
	accts := make([]*Account, len(rows))
	cursors := make([]int64, len(rows))
	for i := range rows {
		a := rows[i].Account
		accts[i], cursors[i] = &a, rows[i].FollowID
	}
	return accts, cursors, nil
}

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
	return d.localFollowsOf(targetID).Exists(ctx)
}

// localFollowsOf selects the accepted follows of targetID by local accounts.
func (d *DB) localFollowsOf(targetID int64) *bun.SelectQuery {
	return d.r.NewSelect().Model((*Follow)(nil)).
		Join("JOIN accounts fa ON fa.id = f.account_id").
		Where("f.target_account_id = ? AND f.accepted = TRUE AND fa.domain = ''", targetID)
}

// NotifyingFollowers returns local followers that asked to be notified of
// the account's posts (follow with notify=true).
func (d *DB) NotifyingFollowers(ctx context.Context, targetID int64) ([]int64, error) {
	var ids []int64
	err := d.notifyingFollowsOf(targetID).Column("f.account_id").Scan(ctx, &ids)
	return ids, err
}

// notifyingFollowsOf selects the follows of NotifyingFollowers.
func (d *DB) notifyingFollowsOf(targetID int64) *bun.SelectQuery {
	return d.localFollowsOf(targetID).Where("f.notify = TRUE")
}
