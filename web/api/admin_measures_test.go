package api_test

import (
	"testing"
	"time"
)

// The dashboard's measures count today's sign-ups, activity, interactions
// and reports; moderators see them, plain users do not.
func TestAdminMeasures(t *testing.T) {
	in := stStart(t)
	today := time.Now().UTC() // the range runs to tomorrow: midnight may pass meanwhile
	mod := adStaff(t, in, "mod", "moderator")
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	post := stPost(t, in, bob, map[string]any{"status": "hello"})
	stOK[map[string]any](t, in, "POST", "/api/v1/statuses/"+post.ID+"/favourite", alice.Token, nil)
	stPost(t, in, alice, map[string]any{"status": "hi", "in_reply_to_id": post.ID})
	reportID := adReport(t, in, alice, bob)
	adStatus(t, in, 200, "POST", "/api/v1/admin/reports/"+reportID+"/resolve", mod.Token, nil)

	body := map[string]any{"keys": []string{"new_users", "active_users", "interactions", "opened_reports", "resolved_reports", "unknown"},
		"start_at": today.AddDate(0, 0, -2).Format("2006-01-02"), "end_at": today.AddDate(0, 0, 1).Format("2006-01-02")}
	adStatus(t, in, 403, "POST", "/api/v1/admin/measures", alice.Token, body)
	var measures []struct {
		Key           string `json:"key"`
		Total         string `json:"total"`
		PreviousTotal string `json:"previous_total"`
		Data          []struct {
			Date  string `json:"date"`
			Value string `json:"value"`
		} `json:"data"`
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/measures", mod.Token, body), &measures)
	want := map[string]string{"new_users": "3", "active_users": "2", "interactions": "2", "opened_reports": "1", "resolved_reports": "1"}
	if len(measures) != len(want) {
		t.Fatalf("measures %+v", measures)
	}
	for _, m := range measures {
		if m.Total != want[m.Key] || m.PreviousTotal != "0" || len(m.Data) != 4 || m.Data[0].Value != "0" {
			t.Errorf("%s: %+v, want total %s today", m.Key, m, want[m.Key])
		}
	}
	for _, bad := range []map[string]any{{"keys": []string{"new_users"}}, {"keys": []string{"new_users"}, "start_at": "yesterday", "end_at": "2024-01-01"},
		{"keys": []string{"new_users"}, "start_at": "2024-02-01", "end_at": "2024-01-01"}} {
		adStatus(t, in, 422, "POST", "/api/v1/admin/measures", mod.Token, bad)
	}
}

// Dimensions: the languages of local posts, and what software runs here.
func TestAdminDimensions(t *testing.T) {
	in := stStart(t)
	today := time.Now().UTC()
	mod := adStaff(t, in, "mod", "moderator")
	bob := in.CreateUser("bob")
	stPost(t, in, bob, map[string]any{"status": "hallo", "language": "de"})
	stPost(t, in, bob, map[string]any{"status": "moin", "language": "de"})
	stPost(t, in, bob, map[string]any{"status": "hello", "language": "en"})
	body := map[string]any{"keys": []string{"languages", "software_versions", "servers", "nonsense"},
		"start_at": today.AddDate(0, 0, -1).Format("2006-01-02"), "end_at": today.AddDate(0, 0, 1).Format("2006-01-02")}
	adStatus(t, in, 403, "POST", "/api/v1/admin/dimensions", bob.Token, body)
	var dims []struct {
		Key  string `json:"key"`
		Data []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"data"`
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/dimensions", mod.Token, body), &dims)
	if len(dims) != 3 || dims[0].Key != "languages" || len(dims[0].Data) != 2 || dims[0].Data[0].Key != "de" || dims[0].Data[0].Value != "2" {
		t.Fatalf("dimensions %+v", dims)
	}
	if sw := dims[1].Data; len(sw) != 3 || sw[0].Key != "kontor" || sw[2].Value == "" {
		t.Errorf("software_versions %+v", sw)
	}
	if len(dims[2].Data) != 0 {
		t.Errorf("servers %+v", dims[2].Data)
	}
}

// Retention: today's cohort has the users who signed up today, and the
// share of them who posted.
func TestAdminRetention(t *testing.T) {
	in := stStart(t)
	today := time.Now().UTC()
	mod := adStaff(t, in, "mod", "moderator")
	bob := in.CreateUser("bob")
	in.CreateUser("carol")
	stPost(t, in, bob, map[string]any{"status": "hello"})
	body := map[string]any{"start_at": today.AddDate(0, 0, -1).Format("2006-01-02"), "end_at": today.AddDate(0, 0, 1).Format("2006-01-02"), "frequency": "day"}
	adStatus(t, in, 403, "POST", "/api/v1/admin/retention", bob.Token, body)
	var cohorts []struct {
		Period    string `json:"period"`
		Frequency string `json:"frequency"`
		Data      []struct {
			Rate  float64 `json:"rate"`
			Value string  `json:"value"`
		} `json:"data"`
	}
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/retention", mod.Token, body), &cohorts)
	if len(cohorts) != 3 || cohorts[0].Frequency != "day" {
		t.Fatalf("cohorts %+v", cohorts)
	}
	var found bool
	for _, c := range cohorts {
		if len(c.Data) > 0 && c.Data[0].Value == "1" {
			found = true
			if rate := c.Data[0].Rate; rate < 0.33 || rate > 0.34 { // 1 of mod, bob, carol
				t.Errorf("rate %v, want 1/3", rate)
			}
		}
	}
	if !found {
		t.Errorf("no cohort with bob's post: %+v", cohorts)
	}
	body["frequency"] = "week"
	adStatus(t, in, 422, "POST", "/api/v1/admin/retention", mod.Token, body)
}
