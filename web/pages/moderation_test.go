package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// staffUser makes a signed-in-able user with a staff role.
func staffUser(t *testing.T, in *kontortest.Instance, name, role string) *kontortest.User {
	t.Helper()
	pw := "password-" + name
	a, u, err := in.Engine().CreateLocalAccount(context.Background(), activitypub.NewLocalAccount{
		Username: name, Email: name + "@example.com", Password: pw, Role: role, Confirmed: true, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	return &kontortest.User{Account: a, User: u, Password: pw}
}

// A moderator resolves a report with a suspension, and an admin approves
// a sign-up, on the moderation pages; a plain user may not see them.
func TestModerationPages(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	bob, carol := in.CreateUser("bob"), in.CreateUser("carol")
	post := in.Post(carol, activitypub.PostParams{Text: "buy cheap watches", Visibility: db.Public})
	form := url.Values{"account_id": {db.FormatID(carol.Account.ID)}, "status_ids[]": {db.FormatID(post.ID)}, "comment": {"spam again"}}
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/reports", strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer "+bob.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("report: %v %v", resp, err)
	}
	newbie, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "newbie", Email: "newbie@example.com",
		Password: "password-newbie", Confirmed: true, Reason: "I work at Acme"})
	if err != nil {
		t.Fatal(err)
	}

	mod := staffUser(t, in, "mo", db.RoleModerator)
	b, home := signedIn(t, in, mod)
	if !strings.Contains(string(home), `href="/admin"`) || strings.Contains(string(home), `href="/admin/reports"`) {
		t.Error("a moderator's navigation has no single Administration link")
	}
	resp, page := b.Get("/admin/reports")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "@carol") || !strings.Contains(string(page), "spam again") ||
		!strings.Contains(string(page), "buy cheap watches") {
		t.Fatalf("reports page: %d\n%s", resp.StatusCode, page)
	}
	reports, _ := in.DB.AdminReports(ctx, db.AdminReportFilter{}, db.Page{Limit: 10})
	if len(reports) != 1 {
		t.Fatalf("%d open reports", len(reports))
	}
	action := "/admin/reports/" + db.FormatID(reports[0].ID) + "/resolve"
	resp, page = b.Submit(page, action, map[string]string{"action": "suspend", "text": "spam account"})
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Report resolved: @carol suspended.") || !strings.Contains(string(page), "No open reports") {
		t.Errorf("resolve: %d\n%s", resp.StatusCode, page)
	}
	if a, _ := in.DB.AccountByID(ctx, carol.Account.ID); !a.Suspended() {
		t.Error("carol is not suspended")
	}
	if r, _ := in.DB.ReportByID(ctx, reports[0].ID); r.ActionTakenAt == nil {
		t.Error("the report is not resolved")
	}

	admin := staffUser(t, in, "ada", db.RoleAdmin)
	ab, _ := signedIn(t, in, admin)
	resp, page = ab.Get("/admin/sign-ups")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "@newbie") || !strings.Contains(string(page), "I work at Acme") {
		t.Fatalf("sign-ups page: %d\n%s", resp.StatusCode, page)
	}
	resp, page = ab.Submit(page, "/admin/accounts/"+db.FormatID(newbie.ID)+"/approve", nil)
	if u, _ := in.DB.UserByAccountID(ctx, newbie.ID); resp.StatusCode != 200 || u == nil || !u.Approved || !strings.Contains(string(page), "No sign-ups are waiting") {
		t.Errorf("approve: %d\n%s", resp.StatusCode, page)
	}

	// A rejected sign-up is gone, and the page says so.
	spam, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "spammy", Email: "spammy@example.com",
		Password: "password-spammy", Confirmed: true, Reason: "cheap watches"})
	if err != nil {
		t.Fatal(err)
	}
	_, page = ab.Get("/admin/sign-ups")
	resp, page = ab.Submit(page, "/admin/accounts/"+db.FormatID(spam.ID)+"/reject", nil)
	if _, err := in.DB.AccountByID(ctx, spam.ID); resp.StatusCode != 200 || err == nil || resp.Request.URL.Path != "/admin/sign-ups" ||
		!strings.Contains(string(page), "@spammy rejected.") {
		t.Errorf("reject: %d %s %v", resp.StatusCode, resp.Request.URL, err)
	}

	ub, _ := signedIn(t, in, bob)
	if resp, _ := ub.Get("/admin/reports"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a plain user on the reports page: %d, want 403", resp.StatusCode)
	}
}
