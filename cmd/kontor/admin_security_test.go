package main

import (
	"context"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// signedInBrowser signs a browser in with a password on the web sign-in.
func signedInBrowser(t *testing.T, in *kontortest.Instance, login, password string) *kontortest.Browser {
	t.Helper()
	b := kontortest.NewBrowser(t, in.URL)
	_, page := b.Get("/auth/sign_in")
	resp, body := b.Submit(page, "/auth/sign_in", map[string]string{"login": login, "password": password})
	if p := resp.Request.URL.Path; resp.StatusCode != 200 || p == "/auth/sign_in" || p == "/auth/two_factor" {
		t.Fatalf("sign in: %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	return b
}

// signedOut reports whether a browser is sent to the sign-in page by a
// page that needs a session.
func signedOut(t *testing.T, b *kontortest.Browser) bool {
	t.Helper()
	resp, _ := b.Get("/settings/brands")
	return resp.Request.URL.Path == "/auth/sign_in"
}

// An admin's password reset locks out whoever had the old password: the
// web session ends and the access token is refused on the next request;
// the new password signs in.
func TestResetPasswordEndsSessionsAndTokens(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	b := signedInBrowser(t, in, "jane", jane.Password)
	if signedOut(t, b) {
		t.Fatal("not signed in before the reset")
	}
	if resp, _ := in.Get("/api/v1/accounts/verify_credentials", "Authorization: Bearer "+jane.Token); resp.StatusCode != 200 {
		t.Fatalf("token before the reset: %d", resp.StatusCode)
	}

	c := cliFor(t, in)
	code, out, errOut := c.run("brand-new-password\n", "admin", "account", "reset-password", "--password-stdin", "jane")
	if code != 0 || !strings.Contains(out, "sessions ended") {
		t.Fatalf("reset-password: exit %d %q %q", code, out, errOut)
	}
	if resp, _ := in.Get("/api/v1/accounts/verify_credentials", "Authorization: Bearer "+jane.Token); resp.StatusCode != 401 {
		t.Errorf("token after the reset: %d, want 401", resp.StatusCode)
	}
	if !signedOut(t, b) {
		t.Error("the web session survived the reset")
	}
	signedInBrowser(t, in, "jane", "brand-new-password")
}

func TestDisable2FA(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	jane := in.CreateUser("jane")
	in.CreateUser("john")
	if err := in.DB.SetPendingOTPSecret(ctx, jane.User.ID, "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	if err := in.DB.EnableOTP(ctx, jane.User.ID, "JBSWY3DPEHPK3PXP", 1, []string{db.HashSecret("a"), db.HashSecret("b")}); err != nil {
		t.Fatal(err)
	}
	// With 2FA the password leads to the code page.
	b := kontortest.NewBrowser(t, in.URL)
	_, page := b.Get("/auth/sign_in")
	if resp, _ := b.Submit(page, "/auth/sign_in", map[string]string{"login": "jane", "password": jane.Password}); resp.Request.URL.Path != "/auth/two_factor" {
		t.Fatalf("sign-in with 2FA on led to %s", resp.Request.URL)
	}
	c := cliFor(t, in)
	if code, out, _ := c.run("", "admin", "account", "disable-2fa", "--help"); code != 0 || !strings.Contains(out, "Usage:") {
		t.Errorf("--help: exit %d %q", code, out)
	}
	out := c.mustRun("admin", "account", "disable-2fa", "jane")
	if !strings.Contains(out, "turned off") {
		t.Errorf("output %q", out)
	}
	// On PostgreSQL the server's cached user hears of the CLI's write by
	// NOTIFY, which may arrive a moment after the CLI has exited.
	kontortest.Eventually(t, kontortest.Wait, "2FA off in the server's view of jane", func() bool {
		u, err := in.DB.UserByID(ctx, jane.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := in.DB.RecoveryCodesLeft(ctx, u.ID)
		return u.OTPSecret == "" && n == 0
	})
	signedInBrowser(t, in, "jane", jane.Password) // the password alone again
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"jane"}, 1, "no two-factor"},
		{[]string{"john"}, 1, "no two-factor"},
		{[]string{"nobody"}, 1, "no local account"},
		{nil, 2, "USERNAME"},
	} {
		code, _, errOut := c.run("", append([]string{"admin", "account", "disable-2fa"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("disable-2fa %v: exit %d %q, want %d %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
