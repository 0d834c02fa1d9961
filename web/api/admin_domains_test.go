package api_test

import (
	"testing"

	"github.com/kontor-social/kontor/db"
)

func TestAdminDomainBlocks(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	remote := &db.Account{Username: "rem", Domain: "loud.example", URI: "https://loud.example/users/rem"}
	if err := in.DB.UpsertRemoteAccount(stCtx, remote); err != nil {
		t.Fatal(err)
	}
	account := func() *db.Account {
		t.Helper()
		a, err := in.DB.AccountByID(stCtx, remote.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	adStatus(t, in, 403, "GET", "/api/v1/admin/domain_blocks", mod.Token, nil)
	adStatus(t, in, 403, "POST", "/api/v1/admin/domain_blocks", mod.Token, map[string]any{"domain": "loud.example"})

	var b map[string]any
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/domain_blocks", admin.Token,
		map[string]any{"domain": "Loud.Example", "severity": "silence", "private_comment": "spam", "public_comment": "noisy", "reject_media": true}), &b)
	if b["domain"] != "loud.example" || b["severity"] != "silence" || b["private_comment"] != "spam" || b["reject_media"] != true || b["digest"] == "" {
		t.Errorf("created %v", b)
	}
	id := b["id"].(string)
	if a := account(); a.SilencedAt == nil || a.Suspended() {
		t.Error("silence did not limit the domain's account")
	}
	if in.Engine().DomainBlocked(stCtx, "loud.example") {
		t.Error("a silenced domain must still federate")
	}
	// Accounts met later are limited too.
	late := &db.Account{Username: "late", Domain: "sub.loud.example", URI: "https://sub.loud.example/users/late"}
	if err := in.DB.UpsertRemoteAccount(stCtx, late); err != nil {
		t.Fatal(err)
	}
	if late.SilencedAt == nil {
		t.Error("an account of a silenced domain met later is not limited")
	}

	stDecode(t, adStatus(t, in, 200, "PUT", "/api/v1/admin/domain_blocks/"+id, admin.Token, map[string]any{"severity": "suspend"}), &b)
	if b["severity"] != "suspend" || b["private_comment"] != "spam" {
		t.Errorf("updated %v", b)
	}
	if a := account(); !a.Suspended() {
		t.Error("suspend did not suspend the domain's account")
	}
	if !in.Engine().DomainBlocked(stCtx, "loud.example") {
		t.Error("a suspended domain still federates")
	}
	var list []map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/domain_blocks", admin.Token, nil), &list)
	if len(list) != 1 || list[0]["id"] != id {
		t.Errorf("list %v", list)
	}
	adStatus(t, in, 200, "GET", "/api/v1/admin/domain_blocks/"+id, admin.Token, nil)

	for _, body := range []map[string]any{
		{"domain": "loud.example"},                            // already blocked
		{"domain": "not a domain"},                            // not a domain
		{"domain": "other.example", "severity": "obliterate"}, // no such severity
		{"domain": "other.example", "obfuscate": "maybe"},
	} {
		adStatus(t, in, 422, "POST", "/api/v1/admin/domain_blocks", admin.Token, body)
	}

	adStatus(t, in, 200, "DELETE", "/api/v1/admin/domain_blocks/"+id, admin.Token, nil)
	if a := account(); a.Suspended() || a.SilencedAt != nil {
		t.Error("lifting the block left the account suspended or limited")
	}
	adStatus(t, in, 404, "DELETE", "/api/v1/admin/domain_blocks/"+id, admin.Token, nil)
	log, err := in.DB.AdminActions(stCtx, db.AdminActionFilter{TargetType: "DomainBlock"}, db.Page{Limit: 10})
	if err != nil || len(log) != 3 {
		t.Errorf("audit log %d entries, want 3: %v", len(log), err)
	}
}
