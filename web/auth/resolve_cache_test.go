package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/auth"
)

// The server resolves tokens from its caches; a second process on the
// same database (an admin command, another node) changes what a token
// resolves to, and the server's next request must see it: on PostgreSQL
// by notification, on SQLite through cache_epochs and the shared counter.
func TestResolveSeesOtherProcessesWrites(t *testing.T) {
	ctx := context.Background()
	url := kontortest.NewDatabaseURL(t, kontortest.Dialect())
	server, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if _, err := server.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	confirmed := time.Now()
	a := &db.Account{Username: "alice", URI: "http://x/users/alice"}
	u := &db.User{Email: "alice@example.com", Approved: true, ConfirmedAt: &confirmed}
	if err := server.CreateLocalAccount(ctx, a, u); err != nil {
		t.Fatal(err)
	}
	issue := func() string {
		t.Helper()
		tok, err := server.CreateToken(ctx, db.NewToken{UserID: &u.ID, Scopes: []string{"read"}})
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	rs := auth.NewResolver(server)
	// resolve is the server's next request; PostgreSQL's notification
	// arrives a moment after the commit, so that dialect may ask again.
	resolve := func(plain string, ok func(*auth.Caller, error) bool) (*auth.Caller, error) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for {
			c, err := rs.Resolve(db.ReadsSince(ctx, time.Now()), plain)
			if ok(c, err) || server.Dialect() == db.SQLite || time.Now().After(deadline) {
				return c, err
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	works := func(c *auth.Caller, err error) bool { return err == nil }
	refusedWith := func(want error) func(*auth.Caller, error) bool {
		return func(_ *auth.Caller, err error) bool { return errors.Is(err, want) }
	}

	plain := issue()
	for range 2 { // the second from the caches
		if _, err := resolve(plain, works); err != nil {
			t.Fatal(err)
		}
	}

	// A changed display name.
	acct, err := admin.AccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	acct.DisplayName = "Alice A."
	if err := admin.UpdateAccountProfile(ctx, acct); err != nil {
		t.Fatal(err)
	}
	c, err := resolve(plain, func(c *auth.Caller, err error) bool { return err == nil && c.Account.DisplayName == "Alice A." })
	if err != nil || c.Account.DisplayName != "Alice A." {
		t.Errorf("after another process renamed the account: %v, %v", c, err)
	}

	// A disabled user, then enabled again.
	if err := admin.SetUserDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(plain, refusedWith(auth.ErrLoginDisabled)); !errors.Is(err, auth.ErrLoginDisabled) {
		t.Errorf("a user disabled by another process: %v", err)
	}
	if err := admin.SetUserDisabled(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(plain, works); err != nil {
		t.Errorf("a user enabled again by another process: %v", err)
	}

	// A password change (no session kept) revokes the user's tokens.
	if err := admin.ChangePassword(ctx, u.ID, "a new password, long enough", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(plain, refusedWith(auth.ErrUnauthorized)); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("a token after another process changed the password: %v", err)
	}

	// A revoked token.
	plain = issue()
	if _, err := resolve(plain, works); err != nil {
		t.Fatal(err)
	}
	if err := admin.RevokeToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(plain, refusedWith(auth.ErrUnauthorized)); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("a token revoked by another process: %v", err)
	}

	// A suspended account.
	plain = issue()
	if _, err := resolve(plain, works); err != nil {
		t.Fatal(err)
	}
	if err := admin.SuspendAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(plain, refusedWith(auth.ErrLoginDisabled)); !errors.Is(err, auth.ErrLoginDisabled) {
		t.Errorf("an account suspended by another process: %v", err)
	}
}
