package api_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Who may use the admin account API: not anonymous, not a plain user
// (even holding admin scopes), moderators and admins yes; removing data is
// for admins only.
func TestAdminAccountsAuth(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	plain := in.CreateUser("plain")
	sneaky := adStaff(t, in, "sneaky", "user") // a user token that somehow holds admin scopes
	modNoAdmin := adStaff(t, in, "mod2", "moderator", "read", "write")

	adStatus(t, in, 401, "GET", "/api/v1/admin/accounts", "", nil)
	adStatus(t, in, 403, "GET", "/api/v1/admin/accounts", plain.Token, nil)
	adStatus(t, in, 403, "GET", "/api/v1/admin/accounts", sneaky.Token, nil)
	adStatus(t, in, 403, "GET", "/api/v1/admin/accounts", modNoAdmin.Token, nil)
	for _, u := range []*kontortest.User{admin, mod} {
		var list []map[string]any
		stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/accounts", u.Token, nil), &list)
		if ids := adIDs(list); !slices.Contains(ids, db.FormatID(plain.Account.ID)) {
			t.Errorf("%s: list %v lacks plain", u.Account.Username, ids)
		}
		stDecode(t, adStatus(t, in, 200, "GET", "/api/v2/admin/accounts", u.Token, nil), &list)
	}
	path := "/api/v1/admin/accounts/" + db.FormatID(plain.Account.ID)
	adStatus(t, in, 403, "POST", path+"/action", plain.Token, url.Values{"type": {"silence"}})
	adStatus(t, in, 403, "POST", path+"/action", sneaky.Token, url.Values{"type": {"silence"}})
	adStatus(t, in, 200, "POST", path+"/action", mod.Token, url.Values{"type": {"suspend"}})
	adStatus(t, in, 403, "DELETE", path, mod.Token, nil)
	adStatus(t, in, 200, "DELETE", path, admin.Token, nil)
}

// Bad input answers 422 with a JSON error.
func TestAdminAccountsBadInput(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	plain := in.CreateUser("plain")
	path := "/api/v1/admin/accounts/" + db.FormatID(plain.Account.ID)
	cases := []struct {
		method, path string
		body         any
	}{
		{"POST", path + "/action", url.Values{"type": {"explode"}}},
		{"POST", path + "/action", url.Values{}},
		{"POST", path + "/action", url.Values{"type": {"none"}, "report_id": {"12345"}}},
		{"POST", path + "/action", url.Values{"type": {"none"}, "report_id": {"x"}}},
		{"GET", "/api/v2/admin/accounts?status=sleepy", nil},
		{"GET", "/api/v2/admin/accounts?origin=mars", nil},
		{"GET", "/api/v2/admin/accounts?role_ids[]=42", nil},
		{"GET", "/api/v1/admin/accounts?local=maybe", nil},
		{"DELETE", path, nil}, // not suspended
		{"POST", path + "/reject", nil},
	}
	for _, c := range cases {
		data := adStatus(t, in, 422, c.method, c.path, admin.Token, c.body)
		var e map[string]any
		if err := json.Unmarshal(data, &e); err != nil || e["error"] == nil {
			t.Errorf("%s %s: body %s is not a JSON error", c.method, c.path, data)
		}
	}
	adStatus(t, in, 404, "GET", "/api/v1/admin/accounts/999999", admin.Token, nil)
}

// The filters of v1 and v2 select what they name.
func TestAdminAccountsFilters(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	alice := in.CreateUser("alice")
	_, pending, err := in.Engine().CreateLocalAccount(stCtx, activitypub.NewLocalAccount{
		Username: "waiting", Email: "wait@corp.example", Password: "password-waiting", Confirmed: true, Reason: "hire me",
	})
	if err != nil {
		t.Fatal(err)
	}
	remote := &db.Account{ID: in.DB.NewID(), Username: "rem", Domain: "remote.example", URI: "https://remote.example/users/rem"}
	if err := in.DB.UpsertRemoteAccount(stCtx, remote); err != nil {
		t.Fatal(err)
	}
	if err := in.DB.SetAccountSilenced(stCtx, alice.Account.ID, true); err != nil {
		t.Fatal(err)
	}
	id := db.FormatID
	cases := []struct {
		query string
		want  []string
	}{
		{"/api/v1/admin/accounts?remote=true", []string{id(remote.ID)}},
		{"/api/v1/admin/accounts?by_domain=remote.example", []string{id(remote.ID)}},
		{"/api/v1/admin/accounts?pending=true", []string{id(pending.AccountID)}},
		{"/api/v1/admin/accounts?silenced=true", []string{id(alice.Account.ID)}},
		{"/api/v1/admin/accounts?staff=true", []string{id(mod.Account.ID), id(admin.Account.ID)}},
		{"/api/v1/admin/accounts?username=ali", []string{id(alice.Account.ID)}},
		{"/api/v1/admin/accounts?email=corp.example", []string{id(pending.AccountID)}},
		{"/api/v1/admin/accounts?local=true&username=re", []string{}},
		{"/api/v2/admin/accounts?origin=remote", []string{id(remote.ID)}},
		{"/api/v2/admin/accounts?status=pending", []string{id(pending.AccountID)}},
		{"/api/v2/admin/accounts?permissions=staff", []string{id(mod.Account.ID), id(admin.Account.ID)}},
		{"/api/v2/admin/accounts?role_ids[]=1", []string{id(mod.Account.ID)}},
		{"/api/v2/admin/accounts?origin=local&status=active&username=a", []string{id(alice.Account.ID)}},
	}
	for _, c := range cases {
		var list []map[string]any
		stDecode(t, adStatus(t, in, 200, "GET", c.query, admin.Token, nil), &list)
		if got := adIDs(list); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	// The entity, as Mastodon documents it.
	var v map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/accounts/"+id(pending.AccountID), mod.Token, nil), &v)
	for _, k := range []string{"id", "username", "domain", "created_at", "email", "ip", "ips", "locale", "invite_request",
		"role", "confirmed", "approved", "disabled", "silenced", "suspended", "sensitized", "account"} {
		if _, ok := v[k]; !ok {
			t.Errorf("Admin::Account lacks %q", k)
		}
	}
	if v["approved"] != false || v["invite_request"] != "hire me" || v["email"] != "wait@corp.example" || v["domain"] != nil {
		t.Errorf("pending account: %v", v)
	}
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/accounts/"+id(remote.ID), mod.Token, nil), &v)
	if v["domain"] != "remote.example" || v["role"] != nil {
		t.Errorf("remote account: %v", v)
	}
	actor, err := in.DB.LocalAccount(stCtx, activitypub.InstanceActorUsername)
	if err != nil {
		t.Fatal(err)
	}
	adStatus(t, in, 404, "GET", "/api/v1/admin/accounts/"+id(actor.ID), admin.Token, nil)
}

// Each action does what it says, on the account and for the person behind it.
func TestAdminAccountActions(t *testing.T) {
	in := stStart(t)
	mod := adStaff(t, in, "mod", "moderator")
	bob := in.CreateUser("bob")
	path := "/api/v1/admin/accounts/" + db.FormatID(bob.Account.ID)
	act := func(typ string) {
		t.Helper()
		adStatus(t, in, 200, "POST", path+"/action", mod.Token, url.Values{"type": {typ}, "text": {"because " + typ}})
	}
	state := func() map[string]any {
		t.Helper()
		var v map[string]any
		stDecode(t, adStatus(t, in, 200, "GET", path, mod.Token, nil), &v)
		return v
	}

	act("disable")
	if state()["disabled"] != true {
		t.Error("not disabled")
	}
	if resp, _ := stCall(t, in, "GET", "/api/v1/accounts/verify_credentials", bob.Token, nil); resp.StatusCode != 401 && resp.StatusCode != 403 {
		t.Errorf("disabled user's token: %d", resp.StatusCode)
	}
	adStatus(t, in, 200, "POST", path+"/enable", mod.Token, nil)

	act("sensitive")
	if v := state(); v["sensitized"] != true {
		t.Errorf("sensitive: %v", v["sensitized"])
	}
	adStatus(t, in, 200, "POST", path+"/unsensitive", mod.Token, nil)

	act("silence")
	if v := state(); v["silenced"] != true || v["account"].(map[string]any)["limited"] != true {
		t.Errorf("silence: %v", v)
	}
	var v map[string]any
	stDecode(t, adStatus(t, in, 200, "POST", path+"/unsilence", mod.Token, nil), &v)
	if v["silenced"] != false {
		t.Errorf("unsilence: %v", v)
	}

	act("suspend")
	if state()["suspended"] != true {
		t.Error("not suspended")
	}
	if resp, _ := stCall(t, in, "GET", "/api/v1/accounts/verify_credentials", bob.Token, nil); resp.StatusCode != 401 && resp.StatusCode != 403 {
		t.Errorf("suspended user's token: %d", resp.StatusCode)
	}
	if resp, _ := in.Get("/users/bob", "Accept: application/activity+json"); resp.StatusCode != 410 {
		t.Errorf("actor of a suspended account: %d", resp.StatusCode)
	}
	adStatus(t, in, 200, "POST", path+"/unsuspend", mod.Token, nil)
	if state()["suspended"] != false {
		t.Error("still suspended")
	}

	// Every action is in the audit log, with who and why.
	log, err := in.DB.AdminActions(stCtx, db.AdminActionFilter{TargetType: "Account", TargetID: bob.Account.ID}, db.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		if e.AccountID == nil || *e.AccountID != mod.Account.ID {
			t.Errorf("audit entry %s by %v", e.Action, e.AccountID)
		}
		got = append(got, e.Action)
	}
	want := []string{"unsuspend", "suspend", "unsilence", "silence", "unsensitive", "sensitive", "enable", "disable"}
	if !slices.Equal(got, want) {
		t.Errorf("audit log %v, want %v", got, want)
	}
	if !strings.HasPrefix(log[len(log)-1].Text, "because disable") {
		t.Errorf("audit text %q", log[len(log)-1].Text)
	}
}

// Sign-ups waiting for approval: approve lets them in, reject removes them.
func TestAdminAccountApproveReject(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	var ids []int64
	for _, name := range []string{"anna", "ben"} {
		a, _, err := in.Engine().CreateLocalAccount(stCtx, activitypub.NewLocalAccount{
			Username: name, Email: name + "@example.com", Password: "password-" + name, Confirmed: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	var v map[string]any
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+db.FormatID(ids[0])+"/approve", admin.Token, nil), &v)
	if v["approved"] != true {
		t.Errorf("approve: %v", v)
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+db.FormatID(ids[1])+"/reject", admin.Token, nil), &v)
	if _, err := in.DB.AccountByID(stCtx, ids[1]); err != db.ErrNotFound {
		t.Errorf("rejected account still there: %v", err)
	}
	adStatus(t, in, 422, "POST", "/api/v1/admin/accounts/"+db.FormatID(ids[0])+"/reject", admin.Token, nil)
}
