package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kontor-social/kontor/db"
)

func TestCheckIdentity(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := store.CheckIdentity(ctx, "social.acme.example", "acme.example"); err != nil {
			t.Fatalf("first start: %v", err)
		}
		if err := store.CheckIdentity(ctx, "social.acme.example", "acme.example"); err != nil {
			t.Fatalf("same configuration again: %v", err)
		}
		cases := []struct {
			host, domain      string
			setting, got, was string
		}{
			{"localhost:8080", "acme.example", db.SettingHost, "localhost:8080", "social.acme.example"},
			{"social.acme.example", "social.acme.example", db.SettingAccountDomain, "social.acme.example", "acme.example"},
		}
		for _, tc := range cases {
			err := store.CheckIdentity(ctx, tc.host, tc.domain)
			var ie *db.IdentityError
			if !errors.As(err, &ie) || ie.Setting != tc.setting || ie.Configured != tc.got || ie.Stored != tc.was || ie.Inferred {
				t.Errorf("host %s, account domain %s: %v (%+v)", tc.host, tc.domain, err, ie)
			}
		}

		// A database from before the record: its local actors tell the host.
		if err := store.CreateLocalAccount(ctx, &db.Account{Username: "jane", URI: "https://social.acme.example/users/jane"},
			&db.User{Email: "jane@acme.example"}); err != nil {
			t.Fatal(err)
		}
		if err := store.ForgetIdentity(ctx); err != nil {
			t.Fatal(err)
		}
		err := store.CheckIdentity(ctx, "localhost:8080", "localhost:8080")
		var ie *db.IdentityError
		if !errors.As(err, &ie) || !ie.Inferred || ie.Stored != "social.acme.example" || ie.Configured != "localhost:8080" {
			t.Fatalf("legacy database, other host: %v", err)
		}
		if err := store.CheckIdentity(ctx, "social.acme.example", "acme.example"); err != nil {
			t.Fatalf("legacy database, its host: %v", err)
		}
		if err := store.CheckIdentity(ctx, "social.acme.example", "other.example"); !errors.As(err, &ie) || ie.Stored != "acme.example" {
			t.Fatalf("recorded after the legacy check: %v", err)
		}
	})
}

// Processes starting together on a fresh database agree on one record.
func TestCheckIdentityConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		hosts := []string{"a.example", "b.example", "a.example", "b.example", "a.example", "b.example"}
		errs := make([]error, len(hosts))
		var wg sync.WaitGroup
		for i, h := range hosts {
			wg.Go(func() { errs[i] = store.CheckIdentity(ctx, h, h) })
		}
		wg.Wait()
		winners := map[string]bool{}
		for i, err := range errs {
			var ie *db.IdentityError
			switch {
			case err == nil:
				winners[hosts[i]] = true
			case !errors.As(err, &ie):
				t.Errorf("%s: %v", hosts[i], err)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("accepted hosts %v, want exactly one", winners)
		}
	})
}
