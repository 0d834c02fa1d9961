package db

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Push alert types (Mastodon's data[alerts][…] keys), in Mastodon's order.
var PushAlertTypes = []string{
	NotifyMention, NotifyStatus, NotifyReblog, NotifyFollow, NotifyFollowRequest, NotifyFavourite,
	NotifyPoll, NotifyUpdate, NotifyAdminSignUp, NotifyAdminReport,
}

// Push policies: whose notifications are pushed.
const (
	PushPolicyAll      = "all"
	PushPolicyFollowed = "followed" // only from accounts the user follows
	PushPolicyFollower = "follower" // only from accounts following the user
	PushPolicyNone     = "none"
)

// PushPolicies are the accepted values of data[policy].
var PushPolicies = []string{PushPolicyAll, PushPolicyFollowed, PushPolicyFollower, PushPolicyNone}

// PushSubscription is the Web Push subscription of one access token.
type PushSubscription struct {
	bun.BaseModel `bun:"table:push_subscriptions,alias:ps"`

	ID          int64     `bun:"id,pk"`
	TokenID     int64     `bun:"token_id"`
	AccountID   int64     `bun:"account_id"`
	UserID      *int64    `bun:"user_id"`
	Endpoint    string    `bun:"endpoint"`
	KeyP256dh   string    `bun:"key_p256dh"`
	KeyAuth     string    `bun:"key_auth"`
	AccessToken string    `bun:"access_token"`
	Alerts      string    `bun:"alerts"` // enabled types, space-separated
	Policy      string    `bun:"policy"`
	Standard    bool      `bun:"standard"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// Alert reports whether notifications of typ are pushed.
func (s *PushSubscription) Alert(typ string) bool {
	return slices.Contains(strings.Fields(s.Alerts), typ)
}

// JoinAlerts is the stored form of a set of enabled alert types.
func JoinAlerts(enabled map[string]bool) string {
	var on []string
	for _, t := range PushAlertTypes {
		if enabled[t] {
			on = append(on, t)
		}
	}
	return strings.Join(on, " ")
}

// SubscribePush stores s as the subscription of its token, replacing the
// token's earlier one (and its queued pushes). ID and times are set here.
func (d *DB) SubscribePush(ctx context.Context, s *PushSubscription) error {
	return d.InTx(ctx, func(tx *Tx) error {
		if d.dialect == Postgres {
			// Concurrent POSTs of one token (a client retrying) take turns,
			// or both would delete nothing and one insert would fail.
			var id int64
			if err := tx.tx.NewRaw("SELECT id FROM oauth_tokens WHERE id = ? FOR UPDATE", s.TokenID).Scan(ctx, &id); err != nil {
				return fmt.Errorf("db: lock token: %w", notFound(err))
			}
		}
		if _, err := tx.tx.NewDelete().Model((*PushSubscription)(nil)).Where("token_id = ?", s.TokenID).Exec(ctx); err != nil {
			return fmt.Errorf("db: replace push subscription: %w", err)
		}
		s.ID, s.CreatedAt, s.UpdatedAt = d.NewID(), now(), now()
		if _, err := tx.tx.NewInsert().Model(s).Exec(ctx); err != nil {
			return fmt.Errorf("db: insert push subscription: %w", err)
		}
		return nil
	})
}

// PushSubscriptionOfToken returns a token's subscription, ErrNotFound when
// it has none.
func (d *DB) PushSubscriptionOfToken(ctx context.Context, tokenID int64) (*PushSubscription, error) {
	s := new(PushSubscription)
	err := d.r.NewSelect().Model(s).Where("token_id = ?", tokenID).Scan(ctx)
	return s, notFound(err)
}

// UpdatePushData changes the alerts and policy of a token's subscription.
func (d *DB) UpdatePushData(ctx context.Context, tokenID int64, alerts, policy string) (*PushSubscription, error) {
	res, err := d.w.NewUpdate().Model((*PushSubscription)(nil)).Set("alerts = ?", alerts).Set("policy = ?", policy).
		Set("updated_at = ?", now()).Where("token_id = ?", tokenID).Exec(ctx)
	if err := exactlyOne(res, err, "update push subscription"); err != nil {
		return nil, err
	}
	return d.PushSubscriptionOfToken(ctx, tokenID)
}

// UnsubscribePush deletes a token's subscription, if any.
func (d *DB) UnsubscribePush(ctx context.Context, tokenID int64) error {
	if _, err := d.w.NewDelete().Model((*PushSubscription)(nil)).Where("token_id = ?", tokenID).Exec(ctx); err != nil {
		return fmt.Errorf("db: delete push subscription: %w", err)
	}
	return nil
}

// DeletePushSubscription removes a subscription the push service says is
// gone (404/410), with its queued pushes.
func (d *DB) DeletePushSubscription(ctx context.Context, id int64) error {
	if _, err := d.w.NewDelete().Model((*PushSubscription)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("db: delete push subscription: %w", err)
	}
	return nil
}

// liveTokenCondition is the condition on oauth_tokens (alias ot) of a token
// that may still be used.
const liveTokenCondition = "ot.revoked_at IS NULL AND (ot.expires_at IS NULL OR ot.expires_at > ?)"

// DeleteDeadPushSubscriptions removes the subscriptions of revoked or
// expired tokens (a revoke, a sign-out, a refresh that replaced the
// token, a suspension): tokens are revoked, not deleted, so the cascade of
// the foreign key does not reach them. It returns how many went.
func (d *DB) DeleteDeadPushSubscriptions(ctx context.Context) (int, error) {
	res, err := d.w.NewDelete().Model((*PushSubscription)(nil)).
		Where("NOT EXISTS (SELECT 1 FROM oauth_tokens ot WHERE ot.id = ps.token_id AND "+liveTokenCondition+")", now()).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: delete dead push subscriptions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Names of the VAPID key pair in instance_settings.
const (
	settingVAPIDPrivate = "vapid_private_key"
	settingVAPIDPublic  = "vapid_public_key"
)

// VAPIDKeys is the instance's P-256 key pair that signs Web Push requests
// (RFC 8292), base64url without padding: the 32-byte private scalar and
// the 65-byte uncompressed public point.
type VAPIDKeys struct {
	Private string
	Public  string
}

// VAPIDKeys returns the instance's VAPID keys, making them on first use.
// They live in the database, not the configuration, so every process of
// an instance signs with the same key and subscriptions outlive restarts;
// processes starting together agree on the first pair stored.
func (d *DB) VAPIDKeys(ctx context.Context) (VAPIDKeys, error) {
	var k VAPIDKeys
	read := func(idb bun.IDB) error {
		var rows []InstanceSetting
		if err := idb.NewSelect().Model(&rows).Where("name IN (?)", bun.List([]string{settingVAPIDPrivate, settingVAPIDPublic})).Scan(ctx); err != nil {
			return fmt.Errorf("db: vapid keys: %w", err)
		}
		for _, r := range rows {
			switch r.Name {
			case settingVAPIDPrivate:
				k.Private = r.Value
			case settingVAPIDPublic:
				k.Public = r.Value
			}
		}
		return nil
	}
	// Read first, outside a transaction: on SQLite a transaction takes the
	// one write connection, and the instance entity asks on every call.
	if err := read(d.r); err != nil || (k.Private != "" && k.Public != "") {
		return k, err
	}
	err := d.InTx(ctx, func(tx *Tx) error {
		if err := read(tx.tx); err != nil || (k.Private != "" && k.Public != "") {
			return err
		}
		priv, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return fmt.Errorf("db: make vapid keys: %w", err)
		}
		pub := priv.PublicKey().Bytes()
		// Both rows in one statement: a pair is stored whole or not at all;
		// a process that lost the race reads the winner's pair.
		pair := []InstanceSetting{
			{Name: settingVAPIDPrivate, Value: base64.RawURLEncoding.EncodeToString(priv.Bytes()), CreatedAt: now()},
			{Name: settingVAPIDPublic, Value: base64.RawURLEncoding.EncodeToString(pub), CreatedAt: now()},
		}
		if _, err := tx.tx.NewInsert().Model(&pair).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("db: store vapid keys: %w", err)
		}
		return read(tx.tx)
	})
	if err != nil {
		return VAPIDKeys{}, err
	}
	return k, nil
}
