package pages_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// The configuration seeds the instance settings; an admin edits them on
// /admin/settings and the edit shows at once on the instance API, the
// rules, /about and the sign-up page — on PostgreSQL through a second
// process on the same database too. Approval holds for the next sign-up.
// A moderator may not see the page; a bad edit is refused readably.
func TestAdminSettings(t *testing.T) {
	ctx := context.Background()
	configure := func(c *config.Config) {
		c.InstanceDescription = "From the configuration."
		c.ContactEmail = "config@acme.example"
		c.Rules = []string{"Be kind", "No spam"}
		c.Registrations = config.RegistrationsOpen
	}
	in := kontortest.Start(t, kontortest.Options{Configure: configure})
	nodes := []*kontortest.Instance{in}
	if kontortest.Dialect() == db.Postgres {
		// A second process, configured alike (each start seeds until an edit).
		nodes = append(nodes, kontortest.Start(t, kontortest.Options{NodeOf: in, Configure: configure}))
	}
	admin := staffUser(t, in, "boss", db.RoleAdmin)
	staffUser(t, in, "helper", db.RoleUser)

	b, _ := signedIn(t, in, admin)
	resp, page := b.Get("/admin/settings")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "From the configuration.") ||
		!strings.Contains(string(page), `value="config@acme.example"`) || !strings.Contains(string(page), `value="No spam"`) {
		t.Fatalf("settings page: %d\n%s", resp.StatusCode, page)
	}
	texts := map[string]string{"description": "Edited <here>.", "privacy_policy": "We keep **little**.",
		"terms_of_service": "Be *good*.", "reason": "new season"}
	with := func(more map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range texts {
			m[k] = v
		}
		for k, v := range more {
			m[k] = v
		}
		return m
	}

	// Refused edits say what is wrong and change nothing.
	for _, c := range []struct{ set, want string }{
		{"contact_email", "is not an email address"},
		{"contact_username", "There is no local account @nobody"},
	} {
		bad := map[string]string{"contact_email": "not-an-address", "contact_username": "nobody"}
		resp, body := b.Submit(page, "/admin/settings", with(map[string]string{c.set: bad[c.set]}))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d, want 422 with %q\n%s", c.set, resp.StatusCode, c.want, body)
		}
	}
	if got, _ := in.DB.InstanceTexts(ctx); got.Description != "From the configuration." || got.EditedAt != nil {
		t.Fatalf("a refused edit was stored: %+v", got)
	}

	// Fill every node's caches first.
	for _, n := range nodes {
		n.Get("/api/v1/instance")
		n.Get("/api/v1/instance/rules")
	}
	// The edit: rule 1 reworded and moved last, rule 2 removed, a new rule first.
	resp, page = b.Submit(page, "/admin/settings", with(map[string]string{
		"contact_username": "helper", "contact_email": "team@acme.example", "registrations": config.RegistrationsApproval,
		"rules[0][text]": "Be kind, always", "rules[0][position]": "9", "rules[1][remove]": "1",
		"rules[2][text]": "No ads", "rules[2][hint]": "none at all", "rules[2][position]": "0",
	}))
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Saved.") || !strings.Contains(string(page), "Edited &lt;here&gt;.") {
		t.Fatalf("save: %d\n%s", resp.StatusCode, page)
	}

	// expect asks every node until it answers as want says: at once on the
	// node that made the change, within a few seconds on the other.
	expect := func(what, path string, want func(body string) bool, headers ...string) {
		t.Helper()
		for i, n := range nodes {
			deadline := time.Now().Add(3 * time.Second)
			for {
				resp, body := n.Get(path, headers...)
				if resp.StatusCode == 200 && want(string(body)) {
					break
				}
				if i == 0 || time.Now().After(deadline) {
					t.Fatalf("%s: node %d answered %d %s", what, i, resp.StatusCode, body)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	expect("v1 instance", "/api/v1/instance", func(body string) bool {
		var v struct {
			Description, Email string
			Approval           bool                      `json:"approval_required"`
			Contact            struct{ Username string } `json:"contact_account"`
			Rules              []struct{ ID, Text, Hint string }
		}
		return json.Unmarshal([]byte(body), &v) == nil && v.Description == "Edited <here>." && v.Email == "team@acme.example" &&
			v.Approval && v.Contact.Username == "helper" && len(v.Rules) == 2 && v.Rules[0].Text == "No ads" && v.Rules[0].ID == "3"
	})
	expect("v2 instance", "/api/v2/instance", func(body string) bool {
		return strings.Contains(body, `"approval_required":true`) && strings.Contains(body, `"email":"team@acme.example"`)
	})
	expect("rules", "/api/v1/instance/rules", func(body string) bool {
		return body == `[{"id":"3","text":"No ads","hint":"none at all"},{"id":"1","text":"Be kind, always","hint":""}]`+"\n" ||
			body == `[{"id":"3","text":"No ads","hint":"none at all"},{"id":"1","text":"Be kind, always","hint":""}]`
	})
	expect("privacy policy", "/api/v1/instance/privacy_policy", func(body string) bool {
		return strings.Contains(body, `"content":"\u003cp\u003eWe keep \u003cstrong\u003elittle\u003c/strong\u003e.\u003c/p\u003e"`)
	})
	expect("terms", "/api/v1/instance/terms_of_service", func(body string) bool { return strings.Contains(body, `\u003cem\u003egood`) })
	expect("about", "/about", func(body string) bool {
		return strings.Contains(body, "<p>Edited &lt;here&gt;.</p>") && strings.Contains(body, `<li id="rule-3">No ads<br><small>none at all</small></li><li id="rule-1">Be kind, always</li>`) &&
			strings.Contains(body, "<p>We keep <strong>little</strong>.</p>") && strings.Contains(body, "@helper@") &&
			!strings.Contains(body, "No spam")
	}, htmlAccept)
	expect("sign-up page", "/auth/sign_up", func(body string) bool {
		return strings.Contains(body, "No ads") && strings.Contains(body, `<a href="/about#rules"`) &&
			strings.Contains(body, `<a href="/about#privacy-policy"`) && strings.Contains(body, "Why do you want to join?")
	})

	// The audit log names who, what and why.
	log, err := in.DB.AdminActions(ctx, db.AdminActionFilter{TargetType: "InstanceSettings"}, db.Page{Limit: 5})
	if err != nil || len(log) != 1 || *log[0].AccountID != admin.Account.ID || !strings.Contains(log[0].Text, "registrations open → approval") ||
		!strings.Contains(log[0].Text, "reason: new season") {
		t.Errorf("audit log: %v %+v", err, log)
	}

	// The next sign-up waits for approval.
	visitor := kontortest.NewBrowser(t, in.URL)
	_, form := visitor.Get("/auth/sign_up")
	visitor.Submit(form, "/auth/sign_up", map[string]string{"username": "newbie", "email": "newbie@example.com",
		"password": "correct horse battery", "agreement": "1", "reason": "hello"})
	if a, err := in.DB.LocalAccount(ctx, "newbie"); err != nil {
		t.Fatalf("newbie: %v", err)
	} else if u, _ := in.DB.UserByAccountID(ctx, a.ID); u == nil || u.Approved {
		t.Errorf("a sign-up after switching to approval is approved: %+v", u)
	}

	// A moderator may neither see nor post the page.
	mod := staffUser(t, in, "mo", db.RoleModerator)
	mb, home := signedIn(t, in, mod)
	if resp, _ := mb.Get("/admin/settings"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("moderator GET: %d", resp.StatusCode)
	}
	post := kontortest.Form(t, home, "/compose") // any form of the page, for its CSRF token
	post.Set("registrations", config.RegistrationsOpen)
	if resp, _ := mb.Post("/admin/settings", url.Values(post)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("moderator POST: %d", resp.StatusCode)
	}
	if got, _ := in.DB.InstanceTexts(ctx); got.Registrations != config.RegistrationsApproval {
		t.Errorf("after the moderator: %s", got.Registrations)
	}
}
