package api_test

import (
	"testing"

	"github.com/kontor-social/kontor/db"
)

// The audit log answers who did what to what, newest first, to staff only.
func TestAdminAuditLog(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	bob := in.CreateUser("bob")
	path := "/api/v1/admin/accounts/" + db.FormatID(bob.Account.ID)
	adStatus(t, in, 200, "POST", path+"/action", mod.Token, map[string]any{"type": "silence", "text": "flooding"})
	adStatus(t, in, 200, "POST", path+"/unsilence", admin.Token, nil)

	adStatus(t, in, 403, "GET", "/api/v1/kontor/admin/audit", bob.Token, nil)
	var log []map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/kontor/admin/audit", mod.Token, nil), &log)
	if len(log) != 2 || log[0]["action"] != "unsilence" || log[1]["action"] != "silence" {
		t.Fatalf("log %v", log)
	}
	first := log[1]
	if first["text"] != "flooding" || first["target_type"] != "Account" || first["target_id"] != db.FormatID(bob.Account.ID) ||
		first["target"] != "@bob" || first["account"].(map[string]any)["id"] != db.FormatID(mod.Account.ID) || first["created_at"] == "" {
		t.Errorf("entry %v", first)
	}
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/kontor/admin/audit?account_id="+db.FormatID(admin.Account.ID), mod.Token, nil), &log)
	if len(log) != 1 || log[0]["action"] != "unsilence" {
		t.Errorf("by admin %v", log)
	}
	adStatus(t, in, 422, "GET", "/api/v1/kontor/admin/audit?account_id=x", mod.Token, nil)
}
