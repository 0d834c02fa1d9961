package api_test

import (
	"testing"

	"github.com/kontor-social/kontor/config"
)

// Admins and moderators hear of new reports and sign-ups; nobody else does.
func TestAdminNotifications(t *testing.T) {
	in := regInstance(t, config.RegistrationsOpen)
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	reportID := adReport(t, in, alice, bob)
	regWantToken(t, regPost(t, in, regAppToken(t, in, "read write"), regForm("newbie", "newbie@example.com")))

	for _, staff := range [][2]string{{"admin", admin.Token}, {"moderator", mod.Token}} {
		var list []map[string]any
		stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/notifications", staff[1], nil), &list)
		if len(list) != 2 {
			t.Fatalf("%s: %d notifications, want 2: %v", staff[0], len(list), list)
		}
		signUp, report := list[0], list[1]
		if signUp["type"] != "admin.sign_up" || signUp["account"].(map[string]any)["username"] != "newbie" {
			t.Errorf("%s: sign-up notification %v", staff[0], signUp)
		}
		rep, _ := report["report"].(map[string]any)
		if report["type"] != "admin.report" || rep == nil || rep["id"] != reportID ||
			report["account"].(map[string]any)["username"] != "alice" {
			t.Errorf("%s: report notification %v", staff[0], report)
		}
		stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/notifications?types[]=admin.report", staff[1], nil), &list)
		if len(list) != 1 {
			t.Errorf("%s: types[]=admin.report gives %d", staff[0], len(list))
		}
	}
	var list []map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/notifications", bob.Token, nil), &list)
	for _, n := range list {
		if n["type"] == "admin.report" || n["type"] == "admin.sign_up" {
			t.Errorf("a plain user got %v", n["type"])
		}
	}
}
