package api_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/mail/mailtest"
)

// With smtp_host set, a waiting draft (to the owners), its decision (to
// the author), a new report and a pending sign-up (to the admins) go out
// by email, each linking where it is acted on; people turn each kind off
// on /settings/email.
func TestNoticeEmails(t *testing.T) {
	smtp := mailtest.Start(t)
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		plNoLimits(c)
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = smtp.Host, smtp.Port, config.SMTPNoTLS, "Kontor <noreply@acme.example>"
		c.InstanceTitle = "Acme Social"
		c.Registrations = config.RegistrationsApproval
	}})
	w := brStartIn(t, in, false)
	if err := in.DB.SetBrandApproval(brCtx, w.brand.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	// next returns the next email, checking its recipient and that its
	// text has every one of want.
	next := func(to string, want ...string) string {
		t.Helper()
		m := smtp.Wait(t, 10*time.Second)
		if len(m.To) != 1 || m.To[0] != to {
			t.Fatalf("email to %v, want %s:\n%s", m.To, to, m.Data)
		}
		body := strings.ReplaceAll(m.Data, "\r\n", "\n")
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("email to %s lacks %q:\n%s", to, s, body)
			}
		}
		return body
	}

	editorTok := w.brandToken(t, w.editor, db.BrandEditor)
	code, held := w.postAs(t, editorTok, url.Values{"status": {"Mail me"}})
	if code != 422 {
		t.Fatalf("held: %d %v", code, held)
	}
	next("olivia@example.com", "Subject: [Acme Social] Draft #1 of @acme waits for your approval",
		in.Config.BaseURL()+"/settings/brands/acme/drafts/1", "eddie wrote a post", "/settings/email")
	code, _, body := plCall(t, in, "POST", "/api/v1/kontor/brands/"+db.FormatID(w.brand.ID)+"/drafts/"+held["kontor_draft_id"].(string)+"/reject",
		w.owner.Token, url.Values{"note": {"Too short"}})
	if code != 200 {
		t.Fatalf("reject: %d %s", code, body)
	}
	next("eddie@example.com", "was rejected", "Their note: Too short", "/settings/brands/acme/drafts/1")

	// The owner turns drafts emails off on the settings page: the next
	// draft is told in the app only.
	ob := brNewBrowser(t, in)
	ob.signIn("/settings/brands", w.owner)
	resp, page := ob.Get("/settings/email")
	if resp.StatusCode != 200 || !strings.Contains(string(page), `name="email_draft_waiting"`) || strings.Contains(string(page), `name="email_report"`) {
		t.Fatalf("email settings: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = ob.Submit(page, "/settings/email", map[string]string{"email_draft_waiting": ""})
	if u, _ := in.DB.UserByID(brCtx, w.owner.User.ID); resp.StatusCode != 200 || u.EmailOff != "draft_waiting" {
		t.Fatalf("saved settings: %d %q", resp.StatusCode, u.EmailOff)
	}
	if code, out := w.postAs(t, editorTok, url.Values{"status": {"Quietly"}}); code != 422 {
		t.Fatalf("held: %d %v", code, out)
	}

	// A report and a pending sign-up reach the admin.
	_, _, err := in.Engine().CreateLocalAccount(brCtx, activitypub.NewLocalAccount{Username: "boss", Email: "boss@example.com",
		Password: "password-boss", Role: db.RoleAdmin, Confirmed: true, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	code, _, body = plCall(t, in, "POST", "/api/v1/reports", w.stranger.Token, url.Values{"account_id": {db.FormatID(w.viewer.Account.ID)}, "comment": {"spam"}})
	if code != 200 {
		t.Fatalf("report: %d %s", code, body)
	}
	next("boss@example.com", "New report about @vivian", "@sam reported @vivian", "Their comment: spam", in.Config.BaseURL()+"/admin/reports#report-", "kontor admin report resolve")
	tok := regAppToken(t, in, "read write")
	regPost(t, in, tok, regForm("newbie", "newbie@acme.example", "reason", "I work here"))
	// The sign-up's own confirmation mail comes too; find the admin's.
	var got bool
	for range 2 {
		m := smtp.Wait(t, 10*time.Second)
		if m.To[0] == "boss@example.com" {
			got = strings.Contains(m.Data, "@newbie signed up") && strings.Contains(m.Data, "kontor admin account approve newbie") &&
				strings.Contains(m.Data, "I work here") && strings.Contains(m.Data, in.Config.BaseURL()+"/admin/sign-ups#account-")
		}
	}
	if !got {
		t.Error("no sign-up email to the admin")
	}
	time.Sleep(200 * time.Millisecond)
	if n := smtp.Pending(); n != 0 {
		t.Errorf("%d unexpected emails (the turned-off draft email went out?)", n)
	}
}
