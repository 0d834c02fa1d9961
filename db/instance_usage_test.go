package db_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// The instance's figures: a sign-up is counted at once; what moves with
// accounts alone (a new remote domain) within the read caches' TTL, told
// by the store's clock (moved here).
func TestInstanceUsageFreshness(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var offset atomic.Int64
		store.SetReadCacheClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
		usage := func() db.Usage {
			t.Helper()
			u, err := store.InstanceUsage(db.ReadsSince(ctx, time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		if u := usage(); u.Users != 0 || u.Domains != 0 {
			t.Fatalf("empty instance: %+v", u)
		}
		if err := store.CreateLocalAccount(ctx, &db.Account{Username: "alice", URI: "http://x/users/alice"},
			&db.User{Email: "alice@example.com"}); err != nil {
			t.Fatal(err)
		}
		if u := usage(); u.Users != 1 {
			t.Errorf("after a sign-up: %+v, want 1 user at once", u)
		}
		remote := &db.Account{Username: "zed", Domain: "remote.example", URI: "https://remote.example/users/zed"}
		if err := store.UpsertRemoteAccount(ctx, remote); err != nil {
			t.Fatal(err)
		}
		offset.Store(int64(6 * time.Second))
		if u := usage(); u.Domains != 1 {
			t.Errorf("a new domain, 6 s later: %+v, want 1 domain", u)
		}
	})
}
