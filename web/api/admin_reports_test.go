package api_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// adReport files a report by reporter about target (through the API) and
// returns its id.
func adReport(t *testing.T, in *kontortest.Instance, reporter, target *kontortest.User, statusIDs ...int64) string {
	t.Helper()
	form := url.Values{"account_id": {db.FormatID(target.Account.ID)}, "comment": {"rude"}, "category": {"spam"}}
	for _, id := range statusIDs {
		form.Add("status_ids[]", db.FormatID(id))
	}
	v := stOK[map[string]any](t, in, "POST", "/api/v1/reports", reporter.Token, form)
	return v["id"].(string)
}

func TestAdminReports(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	postID, _ := db.ParseID(stPost(t, in, bob, map[string]any{"status": "spam spam", "visibility": "unlisted"}).ID)
	r1 := adReport(t, in, alice, bob, postID)
	r2 := adReport(t, in, carol, alice)

	adStatus(t, in, 401, "GET", "/api/v1/admin/reports", "", nil)
	adStatus(t, in, 403, "GET", "/api/v1/admin/reports", alice.Token, nil)
	adStatus(t, in, 403, "POST", "/api/v1/admin/reports/"+r1+"/resolve", alice.Token, nil)

	list := func(query string) []string {
		t.Helper()
		var l []map[string]any
		stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/reports"+query, mod.Token, nil), &l)
		return adIDs(l)
	}
	if got := list(""); !slices.Equal(got, []string{r2, r1}) {
		t.Errorf("open reports %v", got)
	}
	if got := list("?target_account_id=" + db.FormatID(bob.Account.ID)); !slices.Equal(got, []string{r1}) {
		t.Errorf("by target %v", got)
	}
	if got := list("?account_id=" + db.FormatID(carol.Account.ID)); !slices.Equal(got, []string{r2}) {
		t.Errorf("by reporter %v", got)
	}

	// The entity: every party as an Admin::Account, the reported (private) post shown.
	var v map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/reports/"+r1, mod.Token, nil), &v)
	for _, k := range []string{"id", "action_taken", "action_taken_at", "category", "comment", "forwarded", "created_at",
		"updated_at", "account", "target_account", "assigned_account", "action_taken_by_account", "statuses", "rules"} {
		if _, ok := v[k]; !ok {
			t.Errorf("Admin::Report lacks %q", k)
		}
	}
	if st, _ := v["statuses"].([]any); len(st) != 1 || st[0].(map[string]any)["id"] != db.FormatID(postID) {
		t.Errorf("statuses %v", v["statuses"])
	}
	if acc, _ := v["target_account"].(map[string]any); acc["email"] != "bob@example.com" {
		t.Errorf("target_account %v", v["target_account"])
	}

	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/reports/"+r1+"/assign_to_self", mod.Token, nil), &v)
	if acc, _ := v["assigned_account"].(map[string]any); acc == nil || acc["id"] != db.FormatID(mod.Account.ID) {
		t.Errorf("assigned %v", v["assigned_account"])
	}
	stDecode(t, adStatus(t, in, 200, "PUT", "/api/v1/admin/reports/"+r1, mod.Token, map[string]any{"category": "violation", "rule_ids": []string{"2"}}), &v)
	if v["category"] != "violation" || len(v["rules"].([]any)) != 1 {
		t.Errorf("update %v %v", v["category"], v["rules"])
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/reports/"+r1+"/unassign", mod.Token, nil), &v)
	if v["assigned_account"] != nil {
		t.Errorf("unassigned %v", v["assigned_account"])
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/reports/"+r1+"/resolve", admin.Token, nil), &v)
	if v["action_taken"] != true || v["action_taken_by_account"].(map[string]any)["id"] != db.FormatID(admin.Account.ID) {
		t.Errorf("resolved %v %v", v["action_taken"], v["action_taken_by_account"])
	}
	if got := list("?resolved=true"); !slices.Equal(got, []string{r1}) {
		t.Errorf("resolved reports %v", got)
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/reports/"+r1+"/reopen", mod.Token, nil), &v)
	if v["action_taken"] != false {
		t.Errorf("reopened %v", v["action_taken"])
	}

	// Bad input: 422 with a JSON error; unknown ids 404.
	adStatus(t, in, 422, "PUT", "/api/v1/admin/reports/"+r1, mod.Token, map[string]any{"category": "gossip"})
	adStatus(t, in, 422, "PUT", "/api/v1/admin/reports/"+r1, mod.Token, map[string]any{"rule_ids": []string{"x"}})
	adStatus(t, in, 422, "GET", "/api/v1/admin/reports?resolved=perhaps", mod.Token, nil)
	adStatus(t, in, 404, "POST", "/api/v1/admin/reports/123456/resolve", mod.Token, nil)

	log, err := in.DB.AdminActions(stCtx, db.AdminActionFilter{TargetType: "Report"}, db.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Action)
	}
	if want := []string{"reopen", "resolve", "unassign", "update", "assign_to_self"}; !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}
