package db_test

import (
	"context"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// A block of a server reaches its accounts shown under another (split)
// domain; an account that only mentions the server in its URL path is left.
func TestDomainBlockReachesSplitDomainAccounts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		mk := func(username, domain, uri string) *db.Account {
			a := &db.Account{Username: username, Domain: domain, URI: uri}
			if err := store.UpsertRemoteAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		split := mk("jane", "brand.example", "https://social.host.example/users/jane")
		sub := mk("kim", "brand.example", "https://host.example:8443/users/kim")
		bystander := mk("lee", "good.example", "https://good.example/users/host.example")
		if err := store.AddDomainBlock(ctx, "host.example", "spam"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			a         *db.Account
			suspended bool
		}{{split, true}, {sub, true}, {bystander, false}} {
			got, err := store.AccountByURI(ctx, c.a.URI)
			if err != nil || got.Suspended() != c.suspended {
				t.Errorf("%s after the block: suspended %v, want %v (%v)", c.a.URI, got.Suspended(), c.suspended, err)
			}
		}
		if err := store.RemoveDomainBlock(ctx, "host.example"); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.AccountByURI(ctx, split.URI); got.Suspended() {
			t.Error("still suspended after the block was lifted")
		}
	})
}
