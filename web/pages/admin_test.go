package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// report files a report by reporter about target's post through the API.
func report(t *testing.T, in *kontortest.Instance, reporter *kontortest.User, target *db.Account, post *db.Status, comment string) *db.Report {
	t.Helper()
	form := url.Values{"account_id": {db.FormatID(target.ID)}, "comment": {comment}}
	if post != nil {
		form.Set("status_ids[]", db.FormatID(post.ID))
	}
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/reports", strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer "+reporter.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("report: %v %v", resp, err)
	}
	resp.Body.Close()
	list, err := in.DB.AdminReports(context.Background(), db.AdminReportFilter{TargetAccountID: target.ID}, db.Page{Limit: 1})
	if err != nil || len(list) != 1 {
		t.Fatalf("the report about %s: %v %v", target.Username, list, err)
	}
	return list[0]
}

// has fails the test unless page holds every piece.
func has(t *testing.T, what string, page []byte, pieces ...string) {
	t.Helper()
	for _, p := range pieces {
		if !strings.Contains(string(page), p) {
			t.Errorf("%s lacks %q:\n%s", what, p, page)
			return
		}
	}
}

// auditRow is the text of the audit log's row about label, "" without one.
func auditRow(page []byte, label string) string {
	for _, row := range regexp.MustCompile(`(?s)<tr id="audit-.*?</tr>`).FindAll(page, -1) {
		if strings.Contains(string(row), label) {
			return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(string(row), " ")
		}
	}
	return ""
}

// Who may open which section: admins all, moderators accounts, reports,
// sign-ups and the audit log but no blocks (a readable 403 page), plain
// users nothing; visitors are sent to sign in.
func TestAdminRoles(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	admin, mod, user := staffUser(t, in, "ada", db.RoleAdmin), staffUser(t, in, "mo", db.RoleModerator), in.CreateUser("bob")
	ab, home := signedIn(t, in, admin)
	has(t, "an admin's navigation", home, `href="/admin"`, "Administration")
	mb, _ := signedIn(t, in, mod)
	ub, home := signedIn(t, in, user)
	if strings.Contains(string(home), "Administration") {
		t.Error("a plain user's navigation links to the administration")
	}
	sections := []struct {
		path      string
		moderator bool
	}{
		{"/admin", true}, {"/admin/reports", true}, {"/admin/sign-ups", true}, {"/admin/accounts", true},
		{"/admin/accounts/" + db.FormatID(user.Account.ID), true}, {"/admin/audit", true},
		{"/admin/domain-blocks", false}, {"/admin/domain-allows", false}, {"/admin/email-domain-blocks", false}, {"/admin/ip-blocks", false},
	}
	for _, s := range sections {
		if resp, page := ab.Get(s.path); resp.StatusCode != 200 {
			t.Errorf("admin on %s: %d\n%s", s.path, resp.StatusCode, page)
		}
		resp, page := mb.Get(s.path)
		switch {
		case s.moderator && resp.StatusCode != 200:
			t.Errorf("moderator on %s: %d\n%s", s.path, resp.StatusCode, page)
		case !s.moderator && (resp.StatusCode != http.StatusForbidden || !strings.Contains(string(page), "for admins only")):
			t.Errorf("moderator on %s: %d, want a 403 page\n%s", s.path, resp.StatusCode, page)
		}
		if resp, page := ub.Get(s.path); resp.StatusCode != http.StatusForbidden || !strings.Contains(string(page), "Only admins and moderators") {
			t.Errorf("user on %s: %d, want a 403 page", s.path, resp.StatusCode)
		}
	}
	// A moderator's section menu leaves out what they may not open; the
	// admin's names emoji and instance settings too.
	_, page := mb.Get("/admin")
	if menu := regexp.MustCompile(`(?s)<nav class="admin-menu".*?</nav>`).Find(page); strings.Contains(string(menu), "/admin/domain-blocks") ||
		strings.Contains(string(menu), "/admin/settings") || !strings.Contains(string(menu), "/admin/accounts") {
		t.Errorf("moderator's menu: %s", menu)
	}
	_, page = ab.Get("/admin")
	has(t, "the admin's menu", page, `href="/admin/emoji"`, `href="/admin/settings"`, `href="/admin/ip-blocks"`)
	// Forms are for staff too, and CSRF-checked.
	if resp, _ := ub.Post("/admin/domain-blocks", url.Values{"domain": {"evil.example"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user's domain block post: %d", resp.StatusCode)
	}
	if resp, _ := ab.Post("/admin/domain-blocks", url.Values{"domain": {"evil.example"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a post without the CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := kontortest.NewBrowser(t, in.URL).Get("/admin"); resp.Request.URL.Path != "/auth/sign_in" {
		t.Errorf("a visitor on /admin ends at %s", resp.Request.URL)
	}
}

// The overview counts what waits (an open report, a pending sign-up) and
// charts the last 30 days' measures with their totals.
func TestAdminOverview(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	bob, carol := in.CreateUser("bob"), in.CreateUser("carol")
	post := in.Post(carol, activitypub.PostParams{Text: "hello", Visibility: db.Public})
	if _, err := in.Engine().Favourite(ctx, bob.Account, post.ID); err != nil {
		t.Fatal(err)
	}
	report(t, in, bob, carol.Account, post, "rude")
	if _, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "newbie", Email: "newbie@example.com",
		Password: "password-newbie", Confirmed: true, Reason: "hi"}); err != nil {
		t.Fatal(err)
	}
	b, _ := signedIn(t, in, staffUser(t, in, "ada", db.RoleAdmin))
	resp, page := b.Get("/admin")
	if resp.StatusCode != 200 {
		t.Fatalf("/admin: %d\n%s", resp.StatusCode, page)
	}
	has(t, "the overview", page, `id="open-reports">1<`, `id="pending-sign-ups">1<`)
	for key, total := range map[string]string{"new_users": "4", "interactions": "1", "opened_reports": "1", "resolved_reports": "0"} {
		section := regexp.MustCompile(`(?s)<section class="measure" id="measure-` + key + `">.*?</section>`).Find(page)
		if !strings.Contains(string(section), `<span class="total">`+total+`</span>`) || !strings.Contains(string(section), "<polyline points=") {
			t.Errorf("measure %s, want total %s and a line: %s", key, total, section)
		}
	}
	if n := strings.Count(string(page), `<svg class="chart"`); n != 5 {
		t.Errorf("%d charts, want 5", n)
	}
	if len(page) > 50_000 {
		t.Errorf("the overview is %d bytes, over the workspace's 50 KB", len(page))
	}
	t.Logf("overview: %d bytes", len(page))
}

// A moderator finds an account, reads its page (email, sign-up address and
// reason, posts, the report about it), limits it with the report in one
// step, lifts the limit, and sees both in the audit log; removing data is
// an admin's.
func TestAdminAccounts(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	bob, carol := in.CreateUser("bob"), in.CreateUser("carol")
	remote := &db.Account{ID: in.DB.NewID(), Username: "rem", Domain: "remote.example", URI: "https://remote.example/users/rem"}
	if err := in.DB.UpsertRemoteAccount(ctx, remote); err != nil {
		t.Fatal(err)
	}
	post := in.Post(carol, activitypub.PostParams{Text: "follow me everywhere", Visibility: db.Public})
	rp := report(t, in, bob, carol.Account, post, "creepy")
	mb, _ := signedIn(t, in, staffUser(t, in, "mo", db.RoleModerator))

	for _, c := range []struct {
		query     string
		want, not []string
	}{
		{"username=car", []string{"@carol"}, []string{"@bob", "@rem"}},
		{"email=bob%40", []string{"@bob"}, []string{"@carol"}},
		{"by_domain=remote.example", []string{"@rem@remote.example"}, []string{"@carol"}},
		{"origin=remote", []string{"@rem@remote.example"}, []string{"@bob"}},
		{"origin=local&status=active", []string{"@bob", "@carol"}, []string{"@rem"}},
		{"status=suspended", []string{"No accounts match"}, []string{"@carol"}},
	} {
		resp, page := mb.Get("/admin/accounts?" + c.query)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", c.query, resp.StatusCode)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(page), w) {
				t.Errorf("%s lacks %s", c.query, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(string(page), n+"<") {
				t.Errorf("%s lists %s", c.query, n)
			}
		}
	}
	if resp, page := mb.Get("/admin/accounts?status=sleeping"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "Status must be") {
		t.Errorf("a bad status filter: %d", resp.StatusCode)
	}

	path := "/admin/accounts/" + db.FormatID(carol.Account.ID)
	_, page := mb.Get(path)
	has(t, "carol's admin page", page, "carol@example.com", "creepy", "follow me everywhere", "Recent posts", "Reports about @carol", `<option value="`+db.FormatID(rp.ID)+`">`)
	resp, page := mb.Submit(page, path+"/action", map[string]string{"type": "silence", "report_id": db.FormatID(rp.ID), "text": "keeps following people around"})
	if resp.StatusCode != 200 || resp.Request.URL.Path != path {
		t.Fatalf("silence: %d %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	has(t, "after the silence", page, "@carol silenced.", `class="flag warn">silenced`, "Lift the limit")
	if a, _ := in.DB.AccountByID(ctx, carol.Account.ID); a.SilencedAt == nil {
		t.Error("carol is not silenced")
	}
	if r, _ := in.DB.ReportByID(ctx, rp.ID); r.ActionTakenAt == nil {
		t.Error("the report is not resolved by the action")
	}
	resp, page = mb.Submit(page, path+"/unsilence", nil)
	if a, _ := in.DB.AccountByID(ctx, carol.Account.ID); resp.StatusCode != 200 || a.SilencedAt != nil || !strings.Contains(string(page), "@carol unsilenced.") {
		t.Errorf("unsilence: %d %v", resp.StatusCode, a.SilencedAt)
	}
	if resp, page := mb.Submit(page, path+"/action", map[string]string{"type": "banish"}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(string(page), "Choose an action") {
		t.Errorf("an unknown action: %d\n%s", resp.StatusCode, page)
	}

	_, page = mb.Get("/admin/audit")
	if row := auditRow(page, "keeps following people around"); !strings.Contains(row, " silence ") || !strings.Contains(row, "@carol") || !strings.Contains(row, "@mo") {
		t.Errorf("audit row of the silence: %q", row)
	}
	_, page = mb.Get("/admin/audit?action=unsilence&account=mo")
	if strings.Count(string(page), `<tr id="audit-`) != 1 || auditRow(page, "@carol") == "" {
		t.Errorf("filtered audit log:\n%s", page)
	}
	if resp, _ := mb.Get("/admin/audit?account=nobody"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("audit by an unknown account: %d", resp.StatusCode)
	}

	// Suspension, then removing the data: moderators may not, admins may.
	_, page = mb.Get(path)
	mb.Submit(page, path+"/action", map[string]string{"type": "suspend", "text": "spam"})
	_, page = mb.Get(path)
	if strings.Contains(string(page), path+"/delete") {
		t.Error("a moderator is offered to delete data")
	}
	if resp, _ := mb.Post(path+"/delete", kontortest.Form(t, page, path+"/action")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a moderator's removal of data: %d", resp.StatusCode)
	}
	if resp, _ := mb.Submit(page, path+"/unsuspend", nil); resp.StatusCode != 200 {
		t.Errorf("unsuspend: %d", resp.StatusCode)
	}
	_, page = mb.Get(path)
	mb.Submit(page, path+"/action", map[string]string{"type": "suspend", "text": "spam"})
	ab, _ := signedIn(t, in, staffUser(t, in, "ada", db.RoleAdmin))
	_, page = ab.Get(path)
	resp, page = ab.Submit(page, path+"/delete", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "The data of @carol was removed.") {
		t.Errorf("delete data: %d\n%s", resp.StatusCode, page)
	}
	if _, err := in.DB.UserByAccountID(ctx, carol.Account.ID); err == nil {
		t.Error("carol's login is still there")
	}
}

// A moderator takes a report, gives it back, resolves it with a note and
// no action, and reopens it from the resolved list; the reported post is
// shown even though it is followers-only.
func TestAdminReportQueue(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	bob, carol := in.CreateUser("bob"), in.CreateUser("carol")
	if _, err := in.Engine().Follow(ctx, bob.Account, carol.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	post := in.Post(carol, activitypub.PostParams{Text: "followers only insult", Visibility: db.Private})
	rp := report(t, in, bob, carol.Account, post, "mean")
	id := db.FormatID(rp.ID)
	mb, _ := signedIn(t, in, staffUser(t, in, "mo", db.RoleModerator))
	_, page := mb.Get("/admin/reports")
	has(t, "the reports", page, "followers only insult", "mean", "Assign to me", "@carol</span>")
	resp, page := mb.Submit(page, "/admin/reports/"+id+"/assign_to_self", nil)
	has(t, "after taking the report", page, "Report assigned to you.", "assigned to @mo", "Unassign")
	if r, _ := in.DB.ReportByID(ctx, rp.ID); resp.StatusCode != 200 || r.AssignedAccountID == nil {
		t.Errorf("assign: %d", resp.StatusCode)
	}
	_, page = mb.Submit(page, "/admin/reports/"+id+"/unassign", nil)
	has(t, "after giving it back", page, "Report unassigned.", "Assign to me")
	_, page = mb.Submit(page, "/admin/reports/"+id+"/resolve", map[string]string{"text": "not against the rules"})
	has(t, "after resolving", page, "Report resolved.", "No open reports")
	if a, _ := in.DB.AccountByID(ctx, carol.Account.ID); a.Suspended() || a.SilencedAt != nil {
		t.Error("resolving without an action acted on carol")
	}
	_, page = mb.Get("/admin/reports?resolved=1")
	has(t, "the resolved reports", page, "followers only insult", "resolved")
	resp, page = mb.Submit(page, "/admin/reports/"+id+"/reopen", nil)
	if r, _ := in.DB.ReportByID(ctx, rp.ID); resp.StatusCode != 200 || r.ActionTakenAt != nil || !strings.Contains(string(page), "Report reopened.") {
		t.Errorf("reopen: %d\n%s", resp.StatusCode, page)
	}
	_, page = mb.Get("/admin/reports")
	if resp, _ := mb.Submit(page, "/admin/reports/"+id+"/resolve", map[string]string{"action": "banish"}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("resolve with an unknown action: %d", resp.StatusCode)
	}
	_, page = mb.Get("/admin/audit")
	for _, action := range []string{"assign_to_self", "unassign", "resolve", "reopen"} {
		if !strings.Contains(string(page), "<td>"+action+"</td>") {
			t.Errorf("no audit row for %s", action)
		}
	}
	has(t, "the audit log", page, "not against the rules")

	// What `kontor admin` does (no moderator account) is in the log as well.
	if err := in.Engine().ModerateAccount(ctx, activitypub.Moderator{}, carol.Account, activitypub.AccountAction{Type: "sensitive", Text: "from the CLI"}); err != nil {
		t.Fatal(err)
	}
	_, page = mb.Get("/admin/audit?action=sensitive")
	if row := auditRow(page, "from the CLI"); !strings.Contains(row, "command line") || !strings.Contains(row, "@carol") {
		t.Errorf("the command line's row: %q", row)
	}
}

// An admin blocks a domain with its options, changes and lifts the block;
// allows a domain (with the note that the allowlist is off); blocks
// sign-ups by email domain and by IP range; bad input gets a readable page;
// every change is in the audit log.
func TestAdminBlocks(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	admin := staffUser(t, in, "ada", db.RoleAdmin)
	ab, _ := signedIn(t, in, admin)

	_, page := ab.Get("/admin/domain-blocks")
	resp, page := ab.Submit(page, "/admin/domain-blocks", map[string]string{"domain": "Evil.Example", "severity": "suspend",
		"reject_media": "1", "public_comment": "harassment", "private_comment": "see ticket 12"})
	has(t, "after the block", page, "evil.example blocked.", "harassment", "see ticket 12", "no media")
	b, err := in.DB.DomainBlockByDomain(ctx, "evil.example")
	if resp.StatusCode != 200 || err != nil || b.Severity != "suspend" || !b.RejectMedia || b.RejectReports {
		t.Fatalf("block: %d %+v %v", resp.StatusCode, b, err)
	}
	if !in.Engine().DomainBlocked(ctx, "evil.example") {
		t.Error("federation does not obey the block")
	}
	edit := "/admin/domain-blocks/" + db.FormatID(b.ID)
	_, page = ab.Submit(page, edit, map[string]string{"severity": "silence", "reject_media": "", "reject_reports": "1"})
	has(t, "after the edit", page, "evil.example block changed.")
	if b, _ = in.DB.DomainBlockByID(ctx, b.ID); b.Severity != "silence" || b.RejectMedia || !b.RejectReports || b.PublicComment != "harassment" {
		t.Errorf("edited block: %+v", b)
	}
	if resp, page := ab.Submit(page, "/admin/domain-blocks", map[string]string{"domain": "evil.example"}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(string(page), "already blocked") {
		t.Errorf("a second block: %d\n%s", resp.StatusCode, page)
	}
	if resp, page := ab.Submit(page, "/admin/domain-blocks", map[string]string{"domain": "not a domain"}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(string(page), "domain is not a domain") {
		t.Errorf("a bad domain: %d\n%s", resp.StatusCode, page)
	}
	_, page = ab.Submit(page, edit+"/delete", nil)
	has(t, "after lifting", page, "evil.example is no longer blocked.", "No domain is blocked.")

	_, page = ab.Get("/admin/domain-allows")
	has(t, "the allows in blocklist mode", page, `federation_mode is not "allowlist"`)
	_, page = ab.Submit(page, "/admin/domain-allows", map[string]string{"domain": "friends.example"})
	has(t, "after allowing", page, "friends.example allowed.", "<td>friends.example</td>")
	allowed, _ := in.DB.AllowedDomains(ctx)
	if len(allowed) != 1 {
		t.Fatalf("allowed: %v", allowed)
	}
	_, page = ab.Submit(page, regexp.MustCompile(`/admin/domain-allows/\d+/delete`).FindString(string(page)), nil)
	has(t, "after removing the allow", page, "friends.example is no longer allowed.", "No domain is allowed.")

	_, page = ab.Get("/admin/email-domain-blocks")
	_, page = ab.Submit(page, "/admin/email-domain-blocks", map[string]string{"domain": "spam.example"})
	has(t, "after the email block", page, "Sign-ups from spam.example are blocked.", "<td>spam.example</td>")
	if blocked, _ := in.DB.EmailDomainBlocked(ctx, "x@mail.spam.example"); !blocked {
		t.Error("sign-ups from a subdomain are not blocked")
	}
	if resp, page := ab.Submit(page, "/admin/email-domain-blocks", map[string]string{"domain": "spam.example"}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(string(page), "is blocked already") {
		t.Errorf("a second email block: %d\n%s", resp.StatusCode, page)
	}
	_, page = ab.Submit(page, regexp.MustCompile(`/admin/email-domain-blocks/\d+/delete`).FindString(string(page)), nil)
	has(t, "after lifting the email block", page, "Email domain block removed.", "No email domain is blocked.")

	_, page = ab.Get("/admin/ip-blocks")
	if resp, bad := ab.Submit(page, "/admin/ip-blocks", map[string]string{"ip": "10.0.0.300/8", "severity": "sign_up_block"}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(string(bad), "ip is not an IP address or range") {
		t.Errorf("a bad CIDR: %d\n%s", resp.StatusCode, bad)
	}
	_, page = ab.Submit(page, "/admin/ip-blocks", map[string]string{"ip": "192.0.2.7/24", "severity": "sign_up_block", "comment": "bots", "expires_in": "86400"})
	has(t, "after the IP block", page, "192.0.2.0/24 blocked (sign_up_block).", "<td>bots</td>")
	if sev, _ := in.DB.IPSeverities(ctx, "192.0.2.99"); len(sev) != 1 || sev[0] != db.IPSignUpBlock {
		t.Errorf("severities of an address in the range: %v", sev)
	}
	_, page = ab.Submit(page, regexp.MustCompile(`/admin/ip-blocks/\d+/delete`).FindString(string(page)), nil)
	has(t, "after lifting the IP block", page, "IP block removed.", "No address is blocked.")

	_, page = ab.Get("/admin/audit")
	for _, label := range []string{"DomainBlock: evil.example", "DomainAllow: friends.example", "EmailDomainBlock: spam.example", "IpBlock: 192.0.2.0/24"} {
		if n := strings.Count(string(page), label); n < 2 {
			t.Errorf("%d audit rows of %s, want its creation and removal", n, label)
		}
	}
	// The API's audit log shows the pages' entries as well.
	tok, err := in.DB.CreateToken(ctx, db.NewToken{UserID: &admin.User.ID, AccountID: &admin.Account.ID, Scopes: []string{"admin:read"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := in.Get("/api/v1/kontor/admin/audit?target_type=IpBlock", "Authorization: Bearer "+tok.AccessToken)
	if resp.StatusCode != 200 || strings.Count(string(body), `"target":"192.0.2.0/24"`) != 2 {
		t.Errorf("API audit: %d %s", resp.StatusCode, body)
	}
}

// An IP block with no_access added on the page closes the API and the pages
// to the range at once: the page goes through the API's own step, which
// tells the gate (so the admin who blocked their own address is refused too).
func TestAdminIPBlockGate(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	bob := in.CreateUser("bob")
	auth := "Authorization: Bearer " + bob.Token
	if resp, _ := in.Get("/api/v1/accounts/verify_credentials", auth); resp.StatusCode != 200 {
		t.Fatalf("before the block: %d", resp.StatusCode)
	}
	ab, _ := signedIn(t, in, staffUser(t, in, "ada", db.RoleAdmin))
	_, page := ab.Get("/admin/ip-blocks")
	resp, page := ab.Submit(page, "/admin/ip-blocks", map[string]string{"ip": "127.0.0.1", "severity": "no_access"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("the page after the block: %d, want 403", resp.StatusCode)
	}
	has(t, "after the block", page, "Access from your network is not allowed")
	if resp, _ := in.Get("/api/v1/accounts/verify_credentials", auth); resp.StatusCode != http.StatusForbidden {
		t.Errorf("right after the block: %d, want 403", resp.StatusCode)
	}
	blocks, err := in.DB.IPBlocks(context.Background(), db.Page{Limit: 10})
	if err != nil || len(blocks) != 1 || blocks[0].Severity != "no_access" {
		t.Errorf("stored blocks: %+v, %v", blocks, err)
	}
}
