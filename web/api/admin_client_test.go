package api_test

import (
	"encoding/json"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// The admin flow as masto.js's admin API sends it: JSON bodies with
// snake_case keys, ids as strings, empty POSTs for report actions. A
// moderator lists local accounts, finds the reported one's open report,
// suspends the account, then resolves the report.
func TestAdminFlowAsMastoJS(t *testing.T) {
	in := stStart(t)
	mod := adStaff(t, in, "mod", "moderator")
	alice, troll := in.CreateUser("alice"), in.CreateUser("troll")
	reportID := adReport(t, in, alice, troll)

	// v2.admin.accounts.list({ origin: "local", status: "active", username: "troll" })
	var accounts []struct {
		ID        string `json:"id"`
		Username  string `json:"username"`
		Suspended bool   `json:"suspended"`
		Account   struct {
			Acct string `json:"acct"`
		} `json:"account"`
	}
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v2/admin/accounts?origin=local&status=active&username=troll&limit=40", mod.Token, nil), &accounts)
	if len(accounts) != 1 || accounts[0].Account.Acct != "troll" || accounts[0].Suspended {
		t.Fatalf("accounts %+v", accounts)
	}

	// v1.admin.reports.list({ targetAccountId })
	var reports []struct {
		ID            string `json:"id"`
		ActionTaken   bool   `json:"action_taken"`
		TargetAccount struct {
			ID string `json:"id"`
		} `json:"target_account"`
	}
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/reports?target_account_id="+accounts[0].ID, mod.Token, nil), &reports)
	if len(reports) != 1 || reports[0].ID != reportID || reports[0].TargetAccount.ID != accounts[0].ID {
		t.Fatalf("reports %+v", reports)
	}

	// v1.admin.accounts.$select(id).action.create({ type: "suspend", text })
	body, _ := json.Marshal(map[string]any{"type": "suspend", "text": "spam wave", "send_email_notification": false})
	if v := adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+accounts[0].ID+"/action", mod.Token, string(body)); string(v) != "{}" {
		t.Errorf("action answered %s", v)
	}
	if resp, _ := stCall(t, in, "GET", "/api/v1/accounts/verify_credentials", troll.Token, nil); resp.StatusCode != 401 && resp.StatusCode != 403 {
		t.Errorf("suspended account's token: %d", resp.StatusCode)
	}

	// v1.admin.reports.$select(id).resolve()
	var resolved struct {
		ActionTaken          bool `json:"action_taken"`
		ActionTakenByAccount *struct {
			ID string `json:"id"`
		} `json:"action_taken_by_account"`
		TargetAccount struct {
			Suspended bool `json:"suspended"`
		} `json:"target_account"`
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/reports/"+reportID+"/resolve", mod.Token, "{}"), &resolved)
	if !resolved.ActionTaken || resolved.ActionTakenByAccount == nil || resolved.ActionTakenByAccount.ID != db.FormatID(mod.Account.ID) ||
		!resolved.TargetAccount.Suspended {
		t.Errorf("resolved report %+v", resolved)
	}
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/reports", mod.Token, nil), &reports)
	if len(reports) != 0 {
		t.Errorf("open reports after resolving: %+v", reports)
	}
}

// An action with report_id resolves the report (Mastodon's "action from a
// report"), even "none".
func TestAdminActionResolvesReport(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	reportID := adReport(t, in, alice, bob)
	adStatus(t, in, 422, "POST", "/api/v1/admin/accounts/"+db.FormatID(alice.Account.ID)+"/action", admin.Token,
		map[string]any{"type": "none", "report_id": reportID}) // the report is not about alice
	adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+db.FormatID(bob.Account.ID)+"/action", admin.Token,
		map[string]any{"type": "none", "report_id": reportID})
	id, _ := db.ParseID(reportID)
	r, err := in.DB.ReportByID(stCtx, id)
	if err != nil || r.ActionTakenAt == nil || r.ActionTakenByAccountID == nil || *r.ActionTakenByAccountID != admin.Account.ID {
		t.Errorf("report after action: %+v %v", r, err)
	}
}
