package oauth_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/mail/mailtest"
	"github.com/kontor-social/kontor/signup"
)

// Helpers of the sign-up page tests (prefixed su).

func suInstance(t *testing.T, mode string, more ...func(*config.Config)) *kontortest.Instance {
	t.Helper()
	return kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.Registrations = mode
		for _, f := range more {
			f(c)
		}
	}})
}

// suFill is a complete sign-up form.
func suFill(username, email string) map[string]string {
	return map[string]string{"username": username, "email": email, "password": "correct horse battery", "agreement": "1"}
}

// suSignUp opens path (the sign-up page or an invite link), fills the
// form and submits it.
func (b *browser) suSignUp(path string, fill map[string]string) (*http.Response, []byte) {
	b.T.Helper()
	resp, page := b.Get(path)
	if resp.StatusCode != 200 {
		b.T.Fatalf("%s: %d\n%s", path, resp.StatusCode, page)
	}
	return b.Submit(page, "/auth/sign_up", fill)
}

// suSignIn signs in on the plain sign-in page and returns the response.
func (b *browser) suSignIn(login, password string) (*http.Response, []byte) {
	b.T.Helper()
	_, page := b.Get("/auth/sign_in")
	return b.Submit(page, "/auth/sign_in", map[string]string{"login": login, "password": password})
}

func suUser(t *testing.T, in *kontortest.Instance, username string) *db.User {
	t.Helper()
	a, err := in.DB.LocalAccount(context.Background(), username)
	if err != nil {
		t.Fatalf("account %s: %v", username, err)
	}
	u, err := in.DB.UserByAccountID(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func suHas(t *testing.T, page []byte, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("page lacks %q:\n%s", w, page)
		}
	}
}

func TestSignUpPageClosed(t *testing.T) {
	in := suInstance(t, config.RegistrationsClosed)
	b := newBrowser(t, in)
	_, page := b.Get("/auth/sign_in")
	if bytes.Contains(page, []byte("/auth/sign_up")) {
		t.Errorf("the sign-in page links to sign-up while registrations are closed:\n%s", page)
	}
	if resp, _ := b.Get("/auth/sign_up"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /auth/sign_up: %d", resp.StatusCode)
	}
	// A forged POST is refused too.
	csrf := kontortest.Form(t, page, "/auth/sign_in").Get("authenticity_token")
	resp, _ := b.Post("/auth/sign_up", url.Values{"authenticity_token": {csrf}, "username": {"jane"}, "email": {"jane@acme.example"},
		"password": {"correct horse battery"}, "agreement": {"1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /auth/sign_up: %d", resp.StatusCode)
	}
	if _, err := in.DB.LocalAccount(context.Background(), "jane"); err == nil {
		t.Error("closed registrations stored an account")
	}
}

// Open: the sign-in page links to the form; the new account cannot sign
// in before its address is confirmed (here by an admin: no SMTP).
func TestSignUpPageOpen(t *testing.T) {
	in := suInstance(t, config.RegistrationsOpen)
	b := newBrowser(t, in)
	_, page := b.Get("/auth/sign_in")
	if !regexp.MustCompile(`<a href="/auth/sign_up"[^>]*>Create an account</a>`).Match(page) {
		t.Fatalf("no sign-up link on the sign-in page:\n%s", page)
	}
	resp, page := b.suSignUp("/auth/sign_up", suFill("jane", "jane@acme.example"))
	if resp.StatusCode != 200 {
		t.Fatalf("sign up: %d\n%s", resp.StatusCode, page)
	}
	suHas(t, page, "Account created", "sends no email: an administrator will confirm your account", "jane@acme.example")
	if bytes.Contains(page, []byte("Check your email")) {
		t.Error("without SMTP the page speaks of an email")
	}
	u := suUser(t, in, "jane")
	if u.ConfirmedAt != nil || !u.Approved {
		t.Fatalf("confirmed %v approved %v", u.ConfirmedAt, u.Approved)
	}
	resp, page = newBrowser(t, in).suSignIn("jane", "correct horse battery")
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(page, []byte("an administrator of this server will confirm it")) || bytes.Contains(page, []byte("email we sent")) {
		t.Fatalf("unconfirmed sign-in: %d\n%s", resp.StatusCode, page)
	}
	in.DB.ConfirmUser(context.Background(), u.ID)
	if resp, page := newBrowser(t, in).suSignIn("jane", "correct horse battery"); resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Fatalf("confirmed sign-in: %d %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}

	// The form keeps an authorize request: signing up from an app's
	// sign-in page returns there.
	a := registerApp(t, in, "http://app.example/cb", "read")
	q := authorizeQuery(a, "http://app.example/cb", "read", "s", "")
	b2 := newBrowser(t, in)
	_, page = b2.Get("/oauth/authorize?" + q.Encode())
	link := regexp.MustCompile(`href="(/auth/sign_up\?return_to=[^"]+)"`).FindSubmatch(page)
	if link == nil {
		t.Fatalf("sign-in page for an app has no sign-up link:\n%s", page)
	}
	_, page = b2.suSignUp(strings.ReplaceAll(string(link[1]), "&amp;", "&"), suFill("john", "john@acme.example"))
	if !bytes.Contains(page, []byte(`href="/auth/sign_in?return_to=%2Foauth%2Fauthorize`)) {
		t.Errorf("the notice does not lead back to the app's sign-in:\n%s", page)
	}

	// Validation errors re-render the form with the field named (422), and
	// store nothing.
	before, _ := in.DB.LocalAccounts(context.Background())
	for _, c := range []struct {
		fill map[string]string
		want string
	}{
		{suFill("JANE", "other@acme.example"), "Username has already been taken"},
		{suFill("newbie", "Jane@ACME.example"), "Email has already been taken"},
		{suFill("webmaster", "w@acme.example"), "Username is reserved"},
		{suFill("newbie", "not-an-address"), "Email is invalid"},
		{map[string]string{"username": "newbie", "email": "n@acme.example", "password": "short", "agreement": "1"}, "Password is too short"},
		{map[string]string{"username": "newbie", "email": "n@acme.example", "password": "correct horse battery", "agreement": ""}, "must be accepted"},
	} {
		resp, page := newBrowser(t, in).suSignUp("/auth/sign_up", c.fill)
		if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(page, []byte(c.want)) {
			t.Errorf("%v: %d, want 422 with %q:\n%s", c.fill, resp.StatusCode, c.want, page)
		}
		if bytes.Contains(page, []byte("correct horse battery")) {
			t.Error("the form echoes the password")
		}
	}
	after, _ := in.DB.LocalAccounts(context.Background())
	if len(after) != len(before) {
		t.Error("refused sign-ups stored accounts")
	}
	// Without the CSRF token: refused.
	resp, _ = newBrowser(t, in).Post("/auth/sign_up", url.Values{"username": {"csrf"}, "email": {"csrf@acme.example"},
		"password": {"correct horse battery"}, "agreement": {"1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF token: %d", resp.StatusCode)
	}
}

func TestSignUpPageApproval(t *testing.T) {
	in := suInstance(t, config.RegistrationsApproval)
	b := newBrowser(t, in)
	_, form := b.Get("/auth/sign_up")
	suHas(t, form, `name="reason"`, "reviewed by the administrators")
	fill := suFill("jane", "jane@acme.example")
	fill["reason"] = "New in marketing"
	_, page := b.Submit(form, "/auth/sign_up", fill)
	suHas(t, page, "Account created", "waits for approval")
	u := suUser(t, in, "jane")
	if u.Approved || u.SignUpReason != "New in marketing" {
		t.Fatalf("approved %v reason %q", u.Approved, u.SignUpReason)
	}
	ctx := context.Background()
	in.DB.ConfirmUser(ctx, u.ID)
	resp, page := newBrowser(t, in).suSignIn("jane@acme.example", "correct horse battery")
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(page, []byte("waiting for approval")) {
		t.Fatalf("unapproved sign-in: %d\n%s", resp.StatusCode, page)
	}
	in.DB.ApproveUser(ctx, u.ID)
	if resp, _ := newBrowser(t, in).suSignIn("jane@acme.example", "correct horse battery"); resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Fatalf("approved sign-in: %d %s", resp.StatusCode, resp.Request.URL)
	}
}

func TestSignUpPageInvite(t *testing.T) {
	in := suInstance(t, config.RegistrationsInvite)
	ctx := context.Background()
	svc := signup.New(signup.Deps{Config: in.Config, DB: in.DB, Engine: in.Engine()})
	b := newBrowser(t, in)
	resp, page := b.Get("/auth/sign_up")
	if resp.StatusCode != 200 || bytes.Contains(page, []byte(`action="/auth/sign_up"`)) || !bytes.Contains(page, []byte("invitation link")) {
		t.Fatalf("invite mode without an invite should explain, not show the form: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := b.Get("/invite/not-a-code"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown invite: %d", resp.StatusCode)
	}
	inv, err := svc.CreateInvite(ctx, nil, 1, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(inv.URL, in.URL)
	resp, page = b.suSignUp(path, suFill("jane", "jane@acme.example"))
	if resp.StatusCode != 200 {
		t.Fatalf("sign up with invite: %d\n%s", resp.StatusCode, page)
	}
	if u := suUser(t, in, "jane"); u.InviteID == nil || *u.InviteID != inv.ID || !u.Approved {
		t.Fatalf("invited user: invite %v approved %v", u.InviteID, u.Approved)
	}
	if got, _ := in.DB.InviteByCode(ctx, inv.Code); got.Uses != 1 {
		t.Errorf("uses = %d, want 1", got.Uses)
	}
	// Used up: the link no longer opens the form, and a form posted with
	// the code is refused.
	if resp, _ := newBrowser(t, in).Get(path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("used-up invite link: %d", resp.StatusCode)
	}
	// A second invite with a form whose code is swapped for the used one.
	inv2, _ := svc.CreateInvite(ctx, nil, 1, 0)
	b2 := newBrowser(t, in)
	_, form2 := b2.Get(strings.TrimPrefix(inv2.URL, in.URL))
	fill := suFill("john", "john@acme.example")
	fill["invite_code"] = inv.Code
	resp, page = b2.Submit(form2, "/auth/sign_up", fill)
	if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(page, []byte("Invitation has expired or was used up")) {
		t.Errorf("used-up code in the form: %d\n%s", resp.StatusCode, page)
	}
	// An expired invite.
	old, _ := svc.CreateInvite(ctx, nil, 0, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if resp, _ := newBrowser(t, in).Get(strings.TrimPrefix(old.URL, in.URL)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("expired invite link: %d", resp.StatusCode)
	}
}

// With SMTP: the mail's link confirms the address, then sign-in works.
func TestSignUpPageConfirmationMail(t *testing.T) {
	smtp := mailtest.Start(t)
	in := suInstance(t, config.RegistrationsOpen, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = smtp.Host, smtp.Port, config.SMTPNoTLS, "noreply@acme.example"
		c.AllowedEmailDomains = []string{"acme.example"}
	})
	b := newBrowser(t, in)
	_, form := b.Get("/auth/sign_up")
	suHas(t, form, "work email address at acme.example")
	resp, page := newBrowser(t, in).suSignUp("/auth/sign_up", suFill("mallory", "mallory@gmail.example"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(page, []byte("not a company address")) {
		t.Fatalf("other domain: %d\n%s", resp.StatusCode, page)
	}
	_, page = b.Submit(form, "/auth/sign_up", suFill("jane", "jane@acme.example"))
	suHas(t, page, "We sent a link to jane@acme.example")
	m := smtp.Wait(t, 10*time.Second)
	link := regexp.MustCompile(regexp.QuoteMeta(in.URL) + `/auth/confirmation\?token=\S+`).FindString(m.Data)
	if link == "" || m.To[0] != "jane@acme.example" {
		t.Fatalf("mail without link:\n%s", m.Data)
	}
	if smtp.Pending() != 0 {
		t.Error("more than one mail for one sign-up")
	}
	if resp, _ := newBrowser(t, in).suSignIn("jane", "correct horse battery"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in before confirming: %d", resp.StatusCode)
	}
	resp, page = b.Get(strings.TrimPrefix(link, in.URL))
	if resp.StatusCode != 200 {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, page)
	}
	suHas(t, page, "jane@acme.example is confirmed")
	if resp, _ := newBrowser(t, in).suSignIn("jane", "correct horse battery"); resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Fatalf("sign-in after confirming: %d %s", resp.StatusCode, resp.Request.URL)
	}
	if resp, _ := b.Get(strings.TrimPrefix(link, in.URL)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second use of the link: %d", resp.StatusCode)
	}
}

// suExisting makes a confirmed, approved user with a password.
func suExisting(t *testing.T, in *kontortest.Instance, username, email string) *db.User {
	t.Helper()
	_, u, err := in.Engine().CreateLocalAccount(context.Background(), activitypub.NewLocalAccount{
		Username: username, Email: email, Password: "password-" + username, Confirmed: true, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
