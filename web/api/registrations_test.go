package api_test

import (
	"context"
	"encoding/json"
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

// Helpers of the sign-up tests (prefixed reg).

// regInstance starts an instance with a registration mode and more settings.
func regInstance(t *testing.T, mode string, more ...func(*config.Config)) *kontortest.Instance {
	t.Helper()
	return kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.Registrations = mode
		for _, f := range more {
			f(c)
		}
	}})
}

// regAppToken registers an app and gets an app token from client_credentials,
// as Mastodon clients do before POST /api/v1/accounts.
func regAppToken(t *testing.T, in *kontortest.Instance, scope string) string {
	t.Helper()
	resp, body := in.Do("POST", "/api/v1/apps", []byte(url.Values{
		"client_name": {"Signup test"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}, "scopes": {"read write follow push"},
	}.Encode()), "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != 200 {
		t.Fatalf("register app: %d %s", resp.StatusCode, body)
	}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &app); err != nil {
		t.Fatal(err)
	}
	resp, body = in.Do("POST", "/oauth/token", []byte(url.Values{
		"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {scope},
	}.Encode()), "Content-Type: application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); resp.StatusCode != 200 || err != nil || tok.AccessToken == "" {
		t.Fatalf("client_credentials: %d %s", resp.StatusCode, body)
	}
	return tok.AccessToken
}

// regReply is POST /api/v1/accounts' answer: a Token, or an error with
// Mastodon's details.
type regReply struct {
	Status      int
	AccessToken string                     `json:"access_token"`
	TokenType   string                     `json:"token_type"`
	Scope       string                     `json:"scope"`
	CreatedAt   any                        `json:"created_at"`
	Error       string                     `json:"error"`
	Details     map[string][]signup.Detail `json:"details"`
	Raw         string
}

func regPost(t *testing.T, in *kontortest.Instance, token string, v url.Values) regReply {
	t.Helper()
	headers := []string{"Content-Type: application/x-www-form-urlencoded"}
	if token != "" {
		headers = append(headers, "Authorization: Bearer "+token)
	}
	resp, body := in.Do("POST", "/api/v1/accounts", []byte(v.Encode()), headers...)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("POST /api/v1/accounts: Content-Type %q: %s", ct, body)
	}
	var r regReply
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	r.Status, r.Raw = resp.StatusCode, string(body)
	return r
}

// regForm is a complete sign-up.
func regForm(username, email string, more ...string) url.Values {
	v := url.Values{"username": {username}, "email": {email}, "password": {"correct horse battery"},
		"agreement": {"true"}, "locale": {"en"}}
	for i := 0; i+1 < len(more); i += 2 {
		if more[i+1] == "" {
			v.Del(more[i])
		} else {
			v.Set(more[i], more[i+1])
		}
	}
	return v
}

// regWantToken checks a successful sign-up's Token entity.
func regWantToken(t *testing.T, r regReply) string {
	t.Helper()
	if r.Status != 200 || r.AccessToken == "" || r.TokenType != "Bearer" || r.Scope == "" {
		t.Fatalf("want a Token, got %d %s", r.Status, r.Raw)
	}
	if _, ok := r.CreatedAt.(float64); !ok {
		t.Fatalf("created_at = %#v, want unix seconds", r.CreatedAt)
	}
	return r.AccessToken
}

// regWantDetail checks a 422 naming field with Mastodon's error code.
func regWantDetail(t *testing.T, r regReply, field, code string) {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.Error, "Validation failed: ") {
		t.Fatalf("want 422 Validation failed, got %d %s", r.Status, r.Raw)
	}
	for _, d := range r.Details[field] {
		if d.Error == code && d.Description != "" {
			return
		}
	}
	t.Fatalf("details.%s lacks %s: %s", field, code, r.Raw)
}

// regMe calls verify_credentials with a token and returns the status.
func regMe(in *kontortest.Instance, token string) (int, []byte) {
	resp, body := in.Get("/api/v1/accounts/verify_credentials", "Authorization: Bearer "+token)
	return resp.StatusCode, body
}

func regUser(t *testing.T, in *kontortest.Instance, username string) *db.User {
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

func regCount(t *testing.T, in *kontortest.Instance) int {
	t.Helper()
	list, err := in.DB.LocalAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestRegistrationClosed(t *testing.T) {
	in := regInstance(t, config.RegistrationsClosed)
	tok := regAppToken(t, in, "read write")
	before := regCount(t, in)
	r := regPost(t, in, tok, regForm("jane", "jane@acme.example"))
	if r.Status != http.StatusForbidden || r.Error == "" {
		t.Fatalf("closed: %d %s", r.Status, r.Raw)
	}
	if regCount(t, in) != before {
		t.Fatal("a refused sign-up stored an account")
	}
}

func TestRegistrationOpen(t *testing.T) {
	in := regInstance(t, config.RegistrationsOpen)
	tok := regAppToken(t, in, "read write follow")
	r := regPost(t, in, tok, regForm("jane", "jane@acme.example", "locale", "de", "reason", "hi"))
	userTok := regWantToken(t, r)
	if r.Scope != "read write follow" {
		t.Errorf("scope %q, want the app token's", r.Scope)
	}
	u := regUser(t, in, "jane")
	if !u.Approved || u.ConfirmedAt != nil || u.Email != "jane@acme.example" || u.Locale != "de" || u.PasswordHash == "" {
		t.Fatalf("user: approved %v confirmed %v email %q locale %q", u.Approved, u.ConfirmedAt, u.Email, u.Locale)
	}
	// Unconfirmed: the token does not work yet (as on Mastodon).
	if code, body := regMe(in, userTok); code != http.StatusForbidden {
		t.Fatalf("unconfirmed token: %d %s", code, body)
	}
	// No SMTP: an admin confirms (kontor admin account confirm does this).
	if err := in.DB.ConfirmUser(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	code, body := regMe(in, userTok)
	if code != 200 || !strings.Contains(string(body), `"username":"jane"`) {
		t.Fatalf("confirmed token: %d %s", code, body)
	}
	// JSON bodies (masto) work the same.
	resp, jb := in.Do("POST", "/api/v1/accounts",
		[]byte(`{"username":"john","email":"john@acme.example","password":"correct horse battery","agreement":true,"locale":"en"}`),
		"Content-Type: application/json", "Authorization: Bearer "+tok)
	if resp.StatusCode != 200 || !strings.Contains(string(jb), `"access_token"`) {
		t.Fatalf("JSON sign-up: %d %s", resp.StatusCode, jb)
	}
}

func TestRegistrationApproval(t *testing.T) {
	in := regInstance(t, config.RegistrationsApproval)
	tok := regAppToken(t, in, "read write")
	userTok := regWantToken(t, regPost(t, in, tok, regForm("jane", "jane@acme.example", "reason", "I work in sales")))
	u := regUser(t, in, "jane")
	if u.Approved || u.SignUpReason != "I work in sales" {
		t.Fatalf("approval mode: approved %v reason %q", u.Approved, u.SignUpReason)
	}
	ctx := context.Background()
	in.DB.ConfirmUser(ctx, u.ID)
	if code, _ := regMe(in, userTok); code != http.StatusForbidden {
		t.Fatalf("unapproved token: %d", code)
	}
	// Password grant refuses the unapproved user too.
	if err := in.DB.ApproveUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if code, body := regMe(in, userTok); code != 200 {
		t.Fatalf("approved token: %d %s", code, body)
	}
}

func TestRegistrationInvite(t *testing.T) {
	for _, mode := range []string{config.RegistrationsInvite, config.RegistrationsApproval} {
		t.Run(mode, func(t *testing.T) {
			in := regInstance(t, mode)
			ctx := context.Background()
			svc := signup.New(signup.Deps{Config: in.Config, DB: in.DB, Engine: in.Engine()})
			tok := regAppToken(t, in, "read write")
			if mode == config.RegistrationsInvite {
				if r := regPost(t, in, tok, regForm("nocode", "nocode@acme.example")); r.Status != http.StatusForbidden {
					t.Fatalf("invite mode without a code: %d %s", r.Status, r.Raw)
				}
			}
			regWantDetail(t, regPost(t, in, tok, regForm("bogus", "bogus@acme.example", "invite_code", "not-a-code")), "invite_code", "ERR_INVALID")

			inv, err := svc.CreateInvite(ctx, nil, 2, 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(inv.URL, in.URL+"/invite/") {
				t.Errorf("invite URL %q", inv.URL)
			}
			for _, name := range []string{"first", "second"} {
				regWantToken(t, regPost(t, in, tok, regForm(name, name+"@acme.example", "invite_code", inv.Code)))
				u := regUser(t, in, name)
				if u.InviteID == nil || *u.InviteID != inv.ID || !u.Approved {
					t.Errorf("%s: invite %v approved %v (invited people skip approval)", name, u.InviteID, u.Approved)
				}
			}
			got, _ := in.DB.InviteByCode(ctx, inv.Code)
			if got.Uses != 2 {
				t.Errorf("uses = %d, want 2", got.Uses)
			}
			before := regCount(t, in)
			regWantDetail(t, regPost(t, in, tok, regForm("third", "third@acme.example", "invite_code", inv.Code)), "invite_code", "ERR_INVALID")
			// A used-up invite is refused before anything else is looked at.
			regWantDetail(t, regPost(t, in, tok, regForm("first", "x@acme.example", "invite_code", inv.Code)), "invite_code", "ERR_INVALID")
			if regCount(t, in) != before {
				t.Error("a refused sign-up stored an account")
			}
			if got, _ := in.DB.InviteByCode(ctx, inv.Code); got.Uses != 2 {
				t.Errorf("uses = %d after refusals, want 2", got.Uses)
			}

			expired, err := svc.CreateInvite(ctx, nil, 0, time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
			regWantDetail(t, regPost(t, in, tok, regForm("late", "late@acme.example", "invite_code", expired.Code)), "invite_code", "ERR_INVALID")

			// A failed sign-up with a valid invite does not use it up.
			single, _ := svc.CreateInvite(ctx, nil, 1, 0)
			regWantDetail(t, regPost(t, in, tok, regForm("admin", "adm@acme.example", "invite_code", single.Code)), "username", "ERR_RESERVED")
			regWantToken(t, regPost(t, in, tok, regForm("fourth", "fourth@acme.example", "invite_code", single.Code)))
		})
	}
}

func TestRegistrationValidation(t *testing.T) {
	in := regInstance(t, config.RegistrationsOpen, func(c *config.Config) { c.AllowedEmailDomains = []string{"acme.example"} })
	ctx := context.Background()
	if _, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{
		Username: "alice", Email: "alice@acme.example", Password: "password-alice", Confirmed: true, Approved: true}); err != nil {
		t.Fatal(err)
	}
	tok := regAppToken(t, in, "read write")
	before := regCount(t, in)
	cases := []struct {
		name        string
		form        url.Values
		field, code string
	}{
		{"taken username, other case", regForm("ALICE", "new@acme.example"), "username", "ERR_TAKEN"},
		{"taken email, other case", regForm("newbie", "Alice@ACME.example"), "email", "ERR_TAKEN"},
		{"bad email", regForm("newbie", "not-an-address"), "email", "ERR_INVALID"},
		{"blank email", regForm("newbie", ""), "email", "ERR_BLANK"},
		{"short password", regForm("newbie", "new@acme.example", "password", "short"), "password", "ERR_TOO_SHORT"},
		{"no password", regForm("newbie", "new@acme.example", "password", ""), "password", "ERR_BLANK"},
		{"reserved name", regForm("admin", "new@acme.example"), "username", "ERR_RESERVED"},
		{"reserved name, other case", regForm("PostMaster", "new@acme.example"), "username", "ERR_RESERVED"},
		{"invalid username", regForm("no-dash", "new@acme.example"), "username", "ERR_INVALID"},
		{"long username", regForm(strings.Repeat("a", 31), "new@acme.example"), "username", "ERR_TOO_LONG"},
		{"blank username", regForm("", "new@acme.example"), "username", "ERR_BLANK"},
		{"no agreement", regForm("newbie", "new@acme.example", "agreement", ""), "agreement", "ERR_ACCEPTED"},
		{"agreement false", regForm("newbie", "new@acme.example", "agreement", "false"), "agreement", "ERR_ACCEPTED"},
		{"bad locale", regForm("newbie", "new@acme.example", "locale", "no such locale!"), "locale", "ERR_INCLUSION"},
		{"other domain", regForm("newbie", "new@gmail.example"), "email", "ERR_BLOCKED"},
		{"look-alike domain", regForm("newbie", "new@notacme.example"), "email", "ERR_BLOCKED"},
		{"domain as a prefix", regForm("newbie", "new@acme.example.evil.example"), "email", "ERR_BLOCKED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			regWantDetail(t, regPost(t, in, tok, c.form), c.field, c.code)
		})
	}
	// Several problems at once: every field is named.
	r := regPost(t, in, tok, url.Values{"username": {"root"}, "email": {"x@other.example"}, "password": {"123"}})
	for _, f := range []string{"username", "email", "password", "agreement"} {
		if len(r.Details[f]) == 0 {
			t.Errorf("details lack %s: %s", f, r.Raw)
		}
	}
	if !regexp.MustCompile(`^Validation failed: Username is reserved, Email .*, Password is too short .*, Agreement must be accepted$`).MatchString(r.Error) {
		t.Errorf("error %q", r.Error)
	}
	if regCount(t, in) != before {
		t.Fatal("refused sign-ups stored accounts")
	}
	// A subdomain of an allowed domain is a company address too.
	regWantToken(t, regPost(t, in, tok, regForm("eve", "eve@eu.acme.example")))

	// Auth: no token, and a token without write:accounts.
	if r := regPost(t, in, "", regForm("anon", "anon@acme.example")); r.Status != http.StatusUnauthorized {
		t.Errorf("without a token: %d %s", r.Status, r.Raw)
	}
	if r := regPost(t, in, regAppToken(t, in, "read"), regForm("reader", "reader@acme.example")); r.Status != http.StatusForbidden {
		t.Errorf("read-only token: %d %s", r.Status, r.Raw)
	}
	if _, err := in.DB.LocalAccount(ctx, "anon"); err == nil {
		t.Error("an unauthenticated sign-up stored an account")
	}
}

// With SMTP configured, a sign-up gets a mail whose link confirms the
// address once; then the token works.
func TestRegistrationConfirmationMail(t *testing.T) {
	smtp := mailtest.Start(t)
	in := regInstance(t, config.RegistrationsOpen, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = smtp.Host, smtp.Port, config.SMTPNoTLS, "Kontor <noreply@acme.example>"
		c.InstanceTitle = "Acme Social"
	})
	tok := regAppToken(t, in, "read write")
	userTok := regWantToken(t, regPost(t, in, tok, regForm("jane", "jane@acme.example")))
	m := smtp.Wait(t, 10*time.Second)
	if len(m.To) != 1 || m.To[0] != "jane@acme.example" || m.From != "noreply@acme.example" {
		t.Fatalf("envelope %+v", m)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(in.URL) + `/auth/confirmation\?token=[A-Za-z0-9_-]{40,}`).FindString(m.Data)
	if link == "" || !strings.Contains(m.Data, "Subject: Confirm your email address for Acme Social") {
		t.Fatalf("no confirmation link in:\n%s", m.Data)
	}
	u := regUser(t, in, "jane")
	if u.ConfirmedAt != nil || u.ConfirmationToken == "" || strings.Contains(link, u.ConfirmationToken) {
		t.Fatalf("before confirming: confirmed %v, token stored %q (must be hashed)", u.ConfirmedAt, u.ConfirmationToken)
	}
	if code, _ := regMe(in, userTok); code != http.StatusForbidden {
		t.Fatalf("unconfirmed token: %d", code)
	}
	resp, page := in.Get(link)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "confirmed") {
		t.Fatalf("confirmation link: %d %s", resp.StatusCode, page)
	}
	if code, body := regMe(in, userTok); code != 200 {
		t.Fatalf("confirmed token: %d %s", code, body)
	}
	// Single use.
	if resp, _ := in.Get(link); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second use of the link: %d", resp.StatusCode)
	}
	if resp, _ := in.Get("/auth/confirmation?token=nonsense"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown token: %d", resp.StatusCode)
	}

	// Links expire (24 hours; here, a lifetime already past).
	ctx := context.Background()
	_, u2, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "late", Email: "late@acme.example", Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	plain := db.NewSecret()
	in.DB.SetConfirmationToken(ctx, u2.ID, db.HashSecret(plain))
	time.Sleep(2 * time.Millisecond)
	if _, err := in.DB.ConfirmByToken(ctx, plain, time.Millisecond); err != db.ErrNotFound {
		t.Fatalf("expired token: %v, want ErrNotFound", err)
	}
	if got, err := in.DB.ConfirmByToken(ctx, plain, signup.ConfirmationLifetime); err != nil || got.ConfirmedAt == nil {
		t.Fatalf("fresh token: %v", err)
	}
}
