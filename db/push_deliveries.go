package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// PushDelivery is one queued push of a notification to a subscription.
type PushDelivery struct {
	bun.BaseModel `bun:"table:push_deliveries,alias:pd"`

	ID             int64      `bun:"id,pk"`
	SubscriptionID int64      `bun:"subscription_id"`
	NotificationID int64      `bun:"notification_id"`
	Attempts       int        `bun:"attempts"`
	NextAttemptAt  time.Time  `bun:"next_attempt_at"`
	ClaimedUntil   *time.Time `bun:"claimed_until"`
	LastError      string     `bun:"last_error"`
	CreatedAt      time.Time  `bun:"created_at"`
}

// enqueuePushes queues a push of n (just stored) to each subscription of
// its recipient that wants it: a live token, the alert of n's type on, and
// the policy satisfied (followed: the recipient follows the sender;
// follower: the sender follows the recipient). It runs in the transaction
// that stores n, so a stored notification is never left unpushed.
func (t *Tx) enqueuePushes(ctx context.Context, n *Notification) error {
	var subs []PushSubscription
	err := t.tx.NewSelect().Model(&subs).Column("ps.id", "ps.alerts", "ps.policy").
		Where("ps.account_id = ?", n.AccountID).
		Where("EXISTS (SELECT 1 FROM oauth_tokens ot WHERE ot.id = ps.token_id AND "+liveTokenCondition+")", now()).
		Scan(ctx)
	if err != nil {
		return fmt.Errorf("db: push subscriptions: %w", err)
	}
	var rows []PushDelivery
	follows := map[string]*bool{} // policy → the follow it needs exists (asked once)
	for _, s := range subs {
		if !s.Alert(n.Type) {
			continue
		}
		ok, err := t.pushPolicyAllows(ctx, s.Policy, n, follows)
		if err != nil {
			return err
		}
		if ok {
			rows = append(rows, PushDelivery{ID: t.d.NewID(), SubscriptionID: s.ID, NotificationID: n.ID, NextAttemptAt: n.CreatedAt, CreatedAt: n.CreatedAt})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := t.tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("db: queue pushes: %w", err)
	}
	return nil
}

// pushPolicyAllows decides a subscription's policy for n; known caches the
// follow lookups of one notification.
func (t *Tx) pushPolicyAllows(ctx context.Context, policy string, n *Notification, known map[string]*bool) (bool, error) {
	var follower, followed int64
	switch policy {
	case PushPolicyAll:
		return true, nil
	case PushPolicyFollowed:
		follower, followed = n.AccountID, n.FromAccountID
	case PushPolicyFollower:
		follower, followed = n.FromAccountID, n.AccountID
	default: // none
		return false, nil
	}
	if v := known[policy]; v != nil {
		return *v, nil
	}
	ok, err := t.tx.NewSelect().Table("follows").
		Where("account_id = ? AND target_account_id = ? AND accepted = TRUE", follower, followed).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("db: push policy: %w", err)
	}
	known[policy] = &ok
	return ok, nil
}

// ClaimedPush is a claimed push with what sending it needs.
type ClaimedPush struct {
	ID           int64
	Attempts     int
	CreatedAt    time.Time
	ClaimedUntil time.Time // the lease, to fence SettlePush
	Subscription PushSubscription
	Notification Notification
}

// claimedPushRow is the flat row ClaimPushes reads.
type claimedPushRow struct {
	ID             int64     `bun:"id"`
	Attempts       int       `bun:"attempts"`
	CreatedAt      time.Time `bun:"created_at"`
	SubID          int64     `bun:"sub_id"`
	SubTokenID     int64     `bun:"sub_token_id"`
	SubAccountID   int64     `bun:"sub_account_id"`
	SubUserID      *int64    `bun:"sub_user_id"`
	SubEndpoint    string    `bun:"sub_endpoint"`
	SubP256dh      string    `bun:"sub_key_p256dh"`
	SubAuth        string    `bun:"sub_key_auth"`
	SubAccessToken string    `bun:"sub_access_token"`
	NID            int64     `bun:"n_id"`
	NAccountID     int64     `bun:"n_account_id"`
	NType          string    `bun:"n_type"`
	NFromAccountID int64     `bun:"n_from_account_id"`
	NStatusID      *int64    `bun:"n_status_id"`
	NReportID      *int64    `bun:"n_report_id"`
	NCreatedAt     time.Time `bun:"n_created_at"`
}

// ClaimPushes leases up to limit due pushes (SKIP LOCKED on PostgreSQL,
// so several processes share the queue; a lease that runs out brings a
// dead process's pushes back).
func (d *DB) ClaimPushes(ctx context.Context, limit int, lease time.Duration) ([]ClaimedPush, error) {
	ids, until, err := d.claimDue(ctx, "push_deliveries", "next_attempt_at", limit, lease)
	if err != nil {
		return nil, fmt.Errorf("db: claim pushes: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []claimedPushRow
	err = d.w.NewSelect().TableExpr("push_deliveries AS pd").
		ColumnExpr("pd.id, pd.attempts, pd.created_at").
		ColumnExpr("ps.id AS sub_id, ps.token_id AS sub_token_id, ps.account_id AS sub_account_id, ps.user_id AS sub_user_id").
		ColumnExpr("ps.endpoint AS sub_endpoint, ps.key_p256dh AS sub_key_p256dh, ps.key_auth AS sub_key_auth, ps.access_token AS sub_access_token").
		ColumnExpr("n.id AS n_id, n.account_id AS n_account_id, n.type AS n_type, n.from_account_id AS n_from_account_id").
		ColumnExpr("n.status_id AS n_status_id, n.report_id AS n_report_id, n.created_at AS n_created_at").
		Join("JOIN push_subscriptions AS ps ON ps.id = pd.subscription_id").
		Join("JOIN notifications AS n ON n.id = pd.notification_id").
		Where("pd.id IN (?)", bun.List(ids)).OrderExpr("pd.next_attempt_at, pd.id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: load pushes: %w", err)
	}
	out := make([]ClaimedPush, len(rows))
	for i, r := range rows {
		out[i] = ClaimedPush{ID: r.ID, Attempts: r.Attempts, CreatedAt: r.CreatedAt, ClaimedUntil: until,
			Subscription: PushSubscription{ID: r.SubID, TokenID: r.SubTokenID, AccountID: r.SubAccountID, UserID: r.SubUserID,
				Endpoint: r.SubEndpoint, KeyP256dh: r.SubP256dh, KeyAuth: r.SubAuth, AccessToken: r.SubAccessToken},
			Notification: Notification{ID: r.NID, AccountID: r.NAccountID, Type: r.NType, FromAccountID: r.NFromAccountID,
				StatusID: r.NStatusID, ReportID: r.NReportID, CreatedAt: r.NCreatedAt},
		}
	}
	return out, nil
}

// PushOutcome is what became of a claimed push.
type PushOutcome int

// Outcomes of a push.
const (
	PushSent  PushOutcome = iota // done: the row goes
	PushRetry                    // again at the given time
	PushDrop                     // given up (a refusal, or too old): the row goes
	PushGone                     // the subscription expired (404/410): it goes, with its queue
)

// SettlePush records a push's outcome, if the lease p was claimed with is
// still held (a push whose lease ran out may have been taken by another
// worker, whose outcome wins).
func (d *DB) SettlePush(ctx context.Context, p *ClaimedPush, out PushOutcome, next time.Time, lastErr string) error {
	var err error
	switch out {
	case PushGone:
		_, err = d.w.NewDelete().Model((*PushSubscription)(nil)).Where("id = ?", p.Subscription.ID).Exec(ctx)
	case PushRetry:
		_, err = d.w.NewUpdate().Model((*PushDelivery)(nil)).Set("attempts = attempts + 1").Set("next_attempt_at = ?", next).
			Set("claimed_until = NULL").Set("last_error = ?", truncate(lastErr, 500)).
			Where("id = ? AND claimed_until = ?", p.ID, p.ClaimedUntil).Exec(ctx)
	default:
		_, err = d.w.NewDelete().Model((*PushDelivery)(nil)).Where("id = ? AND claimed_until = ?", p.ID, p.ClaimedUntil).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("db: settle push: %w", err)
	}
	return nil
}

// NextPushDue is the earliest next_attempt_at of the pushes nobody holds
// (a push leased by a worker is its business until the lease runs out).
func (d *DB) NextPushDue(ctx context.Context) (time.Time, bool, error) {
	var ts []time.Time
	err := d.r.NewSelect().Table("push_deliveries").ColumnExpr("next_attempt_at").
		Where("claimed_until IS NULL OR claimed_until < ?", now()).Order("next_attempt_at").Limit(1).Scan(ctx, &ts)
	if err != nil || len(ts) == 0 {
		return time.Time{}, false, err
	}
	return ts[0], true, nil
}

// PendingPushes counts the queued pushes (tests and metrics).
func (d *DB) PendingPushes(ctx context.Context) (int, error) {
	n, err := d.r.NewSelect().Model((*PushDelivery)(nil)).Count(ctx)
	return int(n), err
}
