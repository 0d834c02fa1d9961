package oauth_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/mail/mailtest"
)

var resetLink = regexp.MustCompile(`http://[^\s]+(/auth/password/edit\?reset_password_token=[A-Za-z0-9_%-]+)`)

func TestPasswordResetByMail(t *testing.T) {
	smtp := mailtest.Start(t)
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = smtp.Host, smtp.Port, config.SMTPNoTLS, "noreply@social.example"
	}})
	jane := in.CreateUser("jane")
	signedIn := signIn(t, in, "jane", jane.Password)

	// The same answer for an unknown address and a known one.
	b := newBrowser(t, in)
	_, signInPage := b.Get("/auth/sign_in")
	if !strings.Contains(string(signInPage), `href="/auth/password/new"`) {
		t.Error("the sign-in page has no link to reset a password")
	}
	_, form := b.Get("/auth/password/new")
	_, unknown := b.Submit(form, "/auth/password/new", map[string]string{"email": "nobody@example.com"})
	resp, known := b.Submit(form, "/auth/password/new", map[string]string{"email": "JANE@example.com"})
	if resp.StatusCode != 200 || !strings.Contains(string(known), "Check your email") {
		t.Fatalf("request: %d\n%s", resp.StatusCode, known)
	}
	strip := func(p []byte, email string) string { return strings.ReplaceAll(string(p), email, "") }
	if strip(unknown, "nobody@example.com") != strip(known, "JANE@example.com") {
		t.Error("the answer differs for an unknown address")
	}
	msg := smtp.Wait(t, 10*time.Second)
	m := resetLink.FindStringSubmatch(msg.Data)
	if len(msg.To) != 1 || msg.To[0] != "jane@example.com" || m == nil {
		t.Fatalf("mail to %v:\n%s", msg.To, msg.Data)
	}
	link := m[1]

	resp, page := b.Get(link)
	if resp.StatusCode != 200 {
		t.Fatalf("link: %d\n%s", resp.StatusCode, page)
	}
	for _, c := range []struct{ pw, confirm, want string }{
		{"short", "short", "8 to 72"},
		{"new-password-1", "new-password-2", "differ"},
	} {
		resp, body := b.Submit(page, "/auth/password/edit", map[string]string{"password": c.pw, "password_confirmation": c.confirm})
		if resp.StatusCode != 422 || !strings.Contains(string(body), c.want) {
			t.Errorf("%s/%s: %d, want 422 %q", c.pw, c.confirm, resp.StatusCode, c.want)
		}
	}
	resp, body := b.Submit(page, "/auth/password/edit", map[string]string{"password": "new-password-1", "password_confirmation": "new-password-1"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Password changed") {
		t.Fatalf("set: %d\n%s", resp.StatusCode, body)
	}
	if !signedIn.isSignedOut() {
		t.Error("a session survived the reset")
	}
	if resp, _ := bearerGet(in, "/api/v1/accounts/verify_credentials", jane.Token); resp.StatusCode != 401 {
		t.Errorf("token after the reset: %d, want 401", resp.StatusCode)
	}
	if resp, _ := b.Get(link); resp.StatusCode != 404 {
		t.Errorf("used link: %d, want 404", resp.StatusCode)
	}
	if resp, _ := b.Submit(page, "/auth/password/edit", map[string]string{"password": "new-password-2", "password_confirmation": "new-password-2"}); resp.StatusCode != 404 {
		t.Errorf("used link posted again: %d, want 404", resp.StatusCode)
	}
	signIn(t, in, "jane", "new-password-1")

	// An expired link.
	token, err := in.DB.CreatePasswordReset(context.Background(), jane.User.ID, -time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := b.Get("/auth/password/edit?reset_password_token=" + token); resp.StatusCode != 404 {
		t.Errorf("expired link: %d, want 404", resp.StatusCode)
	}
	if n := smtp.Pending(); n != 0 {
		t.Errorf("%d more mails sent", n)
	}
}

func TestPasswordResetWithoutMail(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	b := newBrowser(t, in)
	resp, page := b.Get("/auth/password/new")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Ask an administrator") || strings.Contains(string(page), `name="email"`) {
		t.Errorf("without SMTP: %d\n%s", resp.StatusCode, page)
	}
}
