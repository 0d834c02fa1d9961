package api_test

import (
	"testing"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/signup"
)

// Sign-up blocks: admins only; the sign-up obeys them.
func TestAdminSignUpBlocks(t *testing.T) {
	in := regInstance(t, config.RegistrationsOpen)
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	app := regAppToken(t, in, "read write")

	for _, path := range []string{"/api/v1/admin/email_domain_blocks", "/api/v1/admin/canonical_email_blocks", "/api/v1/admin/ip_blocks"} {
		adStatus(t, in, 403, "GET", path, mod.Token, nil)
		adStatus(t, in, 403, "POST", path, mod.Token, map[string]any{"domain": "x.example"})
	}

	// Email domains: the domain and its subdomains get 422.
	var b map[string]any
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/email_domain_blocks", admin.Token, map[string]any{"domain": "Spam.Example"}), &b)
	if b["domain"] != "spam.example" || b["history"] == nil {
		t.Errorf("email domain block %v", b)
	}
	adStatus(t, in, 422, "POST", "/api/v1/admin/email_domain_blocks", admin.Token, map[string]any{"domain": "spam.example"})
	adStatus(t, in, 422, "POST", "/api/v1/admin/email_domain_blocks", admin.Token, map[string]any{"domain": "no domain"})
	regWantDetail(t, regPost(t, in, app, regForm("spammer", "x@mail.spam.example")), "email", "ERR_BLOCKED")
	adStatus(t, in, 200, "DELETE", "/api/v1/admin/email_domain_blocks/"+b["id"].(string), admin.Token, nil)
	regWantToken(t, regPost(t, in, app, regForm("spammer", "x@mail.spam.example")))

	// Canonical addresses: dots and +suffixes do not get around it.
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/canonical_email_blocks", admin.Token, map[string]any{"email": "john.doe+x@corp.example"}), &b)
	if b["canonical_email_hash"] != signup.CanonicalEmailHash("johndoe@corp.example") {
		t.Errorf("canonical block %v", b)
	}
	var matches []map[string]any
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/canonical_email_blocks/test", admin.Token, map[string]any{"email": "JohnDoe@corp.example"}), &matches)
	if len(matches) != 1 {
		t.Errorf("test matches %v", matches)
	}
	adStatus(t, in, 422, "POST", "/api/v1/admin/canonical_email_blocks", admin.Token, map[string]any{"canonical_email_hash": "xyz"})
	regWantDetail(t, regPost(t, in, app, regForm("johnny", "johndoe+new@corp.example")), "email", "ERR_BLOCKED")

	// IP ranges: the tests come from 127.0.0.1.
	var ip map[string]any
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/ip_blocks", admin.Token,
		map[string]any{"ip": "127.0.0.0/8", "severity": "sign_up_requires_approval", "comment": "lab", "expires_in": 3600}), &ip)
	if ip["ip"] != "127.0.0.0/8" || ip["expires_at"] == nil || ip["comment"] != "lab" {
		t.Errorf("ip block %v", ip)
	}
	regWantToken(t, regPost(t, in, app, regForm("waiter", "waiter@example.com")))
	if u := regUser(t, in, "waiter"); u.Approved || u.SignUpIP != "127.0.0.1" {
		t.Errorf("sign-up from an approval range: approved %v, ip %q", u.Approved, u.SignUpIP)
	}
	stDecode(t, adStatus(t, in, 200, "PUT", "/api/v1/admin/ip_blocks/"+ip["id"].(string), admin.Token, map[string]any{"severity": "sign_up_block"}), &ip)
	if ip["severity"] != "sign_up_block" || ip["ip"] != "127.0.0.0/8" {
		t.Errorf("updated ip block %v", ip)
	}
	if r := regPost(t, in, app, regForm("blocked", "blocked@example.com")); r.Status != 403 || r.Error == "" {
		t.Errorf("sign-up from a blocked range: %d %s", r.Status, r.Raw)
	}
	for _, body := range []map[string]any{{"ip": "300.1.1.1", "severity": "no_access"}, {"ip": "10.0.0.1", "severity": "sometimes"}} {
		adStatus(t, in, 422, "POST", "/api/v1/admin/ip_blocks", admin.Token, body)
	}
	var list []map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/ip_blocks", admin.Token, nil), &list)
	if len(list) != 1 {
		t.Errorf("ip blocks %v", list)
	}
}

// no_access refuses every API request from its range.
func TestAdminIPBlockNoAccess(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	adStatus(t, in, 200, "POST", "/api/v1/admin/ip_blocks", admin.Token, map[string]any{"ip": "10.0.0.0/8", "severity": "no_access"})
	adStatus(t, in, 200, "GET", "/api/v1/instance", "", nil)
	adStatus(t, in, 200, "POST", "/api/v1/admin/ip_blocks", admin.Token, map[string]any{"ip": "127.0.0.1", "severity": "no_access"})
	data := adStatus(t, in, 403, "GET", "/api/v1/instance", "", nil)
	if string(data) != `{"error":"Access from your network is not allowed"}` {
		t.Errorf("body %s", data)
	}
	adStatus(t, in, 403, "GET", "/api/v1/admin/ip_blocks", admin.Token, nil)
}
