package api_test

import (
	"testing"
	"time"

	"github.com/kontor-social/kontor/config"
)

// The sources dimension counts the sign-ups of the period by the app they
// came through; the web form, single sign-on and admins count as "web".
func TestAdminDimensionSources(t *testing.T) {
	in := regInstance(t, config.RegistrationsOpen)
	mod := adStaff(t, in, "mo", "moderator", "admin:read")
	tok := regAppToken(t, in, "write:accounts")
	for _, name := range []string{"ann", "ben"} {
		if r := regPost(t, in, tok, regForm(name, name+"@example.com")); r.Status != 200 {
			t.Fatalf("sign-up %s: %d %s", name, r.Status, r.Raw)
		}
	}
	today := time.Now().UTC()
	body := map[string]any{"keys": []string{"sources"},
		"start_at": today.AddDate(0, 0, -1).Format("2006-01-02"), "end_at": today.Format("2006-01-02")}
	var dims []struct {
		Key  string `json:"key"`
		Data []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"data"`
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/dimensions", mod.Token, body), &dims)
	if len(dims) != 1 || dims[0].Key != "sources" || len(dims[0].Data) != 2 ||
		dims[0].Data[0].Key != "Signup test" || dims[0].Data[0].Value != "2" || dims[0].Data[1].Key != "web" || dims[0].Data[1].Value != "1" {
		t.Errorf("sources %+v", dims)
	}
	body["start_at"] = today.AddDate(0, 0, -9).Format("2006-01-02")
	body["end_at"] = today.AddDate(0, 0, -8).Format("2006-01-02")
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/dimensions", mod.Token, body), &dims)
	if len(dims) != 1 || len(dims[0].Data) != 0 {
		t.Errorf("sources of a past week %+v", dims)
	}
}
