package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// A notification is queued for push to exactly the subscriptions of its
// recipient whose alert for its type is on, whose policy the sender
// satisfies and whose token is live, in the transaction that stores it.
func TestPushQueuedByAlertsAndPolicy(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		alice := &db.Account{Username: "alice", URI: "http://x/users/alice"}
		au := &db.User{Email: "alice@example.com"}
		if err := store.CreateLocalAccount(ctx, alice, au); err != nil {
			t.Fatal(err)
		}
		bob := &db.Account{Username: "bob", Domain: "remote.example", URI: "https://remote.example/users/bob"}
		if err := store.UpsertRemoteAccount(ctx, bob); err != nil {
			t.Fatal(err)
		}
		follow := func(t *testing.T, from, to int64, on bool) {
			t.Helper()
			err := store.InTx(ctx, func(tx *db.Tx) error {
				if on {
					_, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: from, TargetAccountID: to, Accepted: true})
					return err
				}
				if _, err := tx.DeleteFollow(ctx, from, to); err != nil && !errors.Is(err, db.ErrNotFound) {
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name            string
			alerts          []string
			policy          string
			typ             string
			aliceFollowsBob bool
			bobFollowsAlice bool
			revoked         bool
			want            int
		}{
			{name: "all, alert on", alerts: []string{"mention"}, policy: "all", typ: "mention", want: 1},
			{name: "alert off", alerts: []string{"favourite", "reblog"}, policy: "all", typ: "mention", want: 0},
			{name: "no alerts", policy: "all", typ: "follow", want: 0},
			{name: "policy none", alerts: db.PushAlertTypes, policy: "none", typ: "mention", want: 0},
			{name: "followed, is followed", alerts: []string{"mention"}, policy: "followed", typ: "mention", aliceFollowsBob: true, want: 1},
			{name: "followed, only a follower", alerts: []string{"mention"}, policy: "followed", typ: "mention", bobFollowsAlice: true, want: 0},
			{name: "follower, is a follower", alerts: []string{"favourite"}, policy: "follower", typ: "favourite", bobFollowsAlice: true, want: 1},
			{name: "follower, only followed", alerts: []string{"favourite"}, policy: "follower", typ: "favourite", aliceFollowsBob: true, want: 0},
			{name: "follow_request is its own alert", alerts: []string{"follow"}, policy: "all", typ: "follow_request", want: 0},
			{name: "follow_request on", alerts: []string{"follow_request"}, policy: "all", typ: "follow_request", want: 1},
			{name: "admin.sign_up on", alerts: []string{"admin.sign_up"}, policy: "all", typ: "admin.sign_up", want: 1},
			{name: "revoked token", alerts: db.PushAlertTypes, policy: "all", typ: "mention", revoked: true, want: 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				tok, err := store.CreateToken(ctx, db.NewToken{UserID: &au.ID, AccountID: &alice.ID, Scopes: []string{"push"}})
				if err != nil {
					t.Fatal(err)
				}
				on := map[string]bool{}
				for _, a := range c.alerts {
					on[a] = true
				}
				sub := &db.PushSubscription{TokenID: tok.ID, AccountID: alice.ID, Endpoint: "https://push.example/x", KeyP256dh: "k", KeyAuth: "a",
					AccessToken: tok.AccessToken, Alerts: db.JoinAlerts(on), Policy: c.policy}
				if err := store.SubscribePush(ctx, sub); err != nil {
					t.Fatal(err)
				}
				if c.revoked {
					if err := store.RevokeToken(ctx, tok.AccessToken); err != nil {
						t.Fatal(err)
					}
				}
				follow(t, alice.ID, bob.ID, c.aliceFollowsBob)
				follow(t, bob.ID, alice.ID, c.bobFollowsAlice)
				err = store.InTx(ctx, func(tx *db.Tx) error {
					n, err := tx.Notify(ctx, &db.Notification{AccountID: alice.ID, Type: c.typ, FromAccountID: bob.ID})
					if err == nil && n == nil {
						t.Error("notification not stored")
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if got, err := store.PendingPushes(ctx); err != nil || got != c.want {
					t.Errorf("queued pushes %d (%v), want %d", got, err, c.want)
				}
				// Clean up: the notification (and its pushes, by cascade) and the subscription.
				if err := store.ClearNotifications(ctx, alice.ID); err != nil {
					t.Fatal(err)
				}
				if got, _ := store.PendingPushes(ctx); got != 0 {
					t.Errorf("%d pushes outlive their notification", got)
				}
				if err := store.UnsubscribePush(ctx, tok.ID); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// Subscriptions of revoked tokens are swept; a new subscription of a
// token replaces its earlier one; the VAPID keys are made once.
func TestPushSubscriptionLifecycle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		a := &db.Account{Username: "carol", URI: "http://x/users/carol"}
		u := &db.User{Email: "carol@example.com"}
		if err := store.CreateLocalAccount(ctx, a, u); err != nil {
			t.Fatal(err)
		}
		var toks []*db.IssuedToken
		for range 2 {
			tok, err := store.CreateToken(ctx, db.NewToken{UserID: &u.ID, AccountID: &a.ID, Scopes: []string{"push"}})
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, tok)
			for _, ep := range []string{"https://push.example/1", "https://push.example/2"} {
				s := &db.PushSubscription{TokenID: tok.ID, AccountID: a.ID, Endpoint: ep, KeyP256dh: "k", KeyAuth: "a", Policy: "all"}
				if err := store.SubscribePush(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := store.PushSubscriptionOfToken(ctx, toks[0].ID)
		if err != nil || got.Endpoint != "https://push.example/2" {
			t.Fatalf("after a second subscribe: %+v %v", got, err)
		}
		if err := store.RevokeToken(ctx, toks[0].AccessToken); err != nil {
			t.Fatal(err)
		}
		if n, err := store.DeleteDeadPushSubscriptions(ctx); err != nil || n != 1 {
			t.Fatalf("swept %d (%v), want 1", n, err)
		}
		if _, err := store.PushSubscriptionOfToken(ctx, toks[1].ID); err != nil {
			t.Errorf("the live token's subscription went too: %v", err)
		}
		k1, err := store.VAPIDKeys(ctx)
		if err != nil || len(k1.Public) != 87 || len(k1.Private) != 43 {
			t.Fatalf("vapid keys %+v %v", k1, err)
		}
		if k2, _ := store.VAPIDKeys(ctx); k2 != k1 {
			t.Error("vapid keys changed on the second read")
		}
	})
}

// Concurrent subscriptions of one token (a client retrying) all succeed,
// and one of them remains.
func TestSubscribePushConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		a := &db.Account{Username: "dan", URI: "http://x/users/dan"}
		u := &db.User{Email: "dan@example.com"}
		if err := store.CreateLocalAccount(ctx, a, u); err != nil {
			t.Fatal(err)
		}
		tok, err := store.CreateToken(ctx, db.NewToken{UserID: &u.ID, AccountID: &a.ID, Scopes: []string{"push"}})
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 4)
		for i := range 4 {
			go func() {
				var err error
				for j := 0; j < 10 && err == nil; j++ {
					err = store.SubscribePush(ctx, &db.PushSubscription{TokenID: tok.ID, AccountID: a.ID,
						Endpoint: "https://push.example/" + string(rune('a'+i)), KeyP256dh: "k", KeyAuth: "a", Policy: "all"})
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if _, err := store.PushSubscriptionOfToken(ctx, tok.ID); err != nil {
			t.Errorf("no subscription left: %v", err)
		}
	})
}
