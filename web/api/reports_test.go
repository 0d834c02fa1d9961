package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Tests of POST /api/v1/reports and of Flags in and out (helpers prefixed rp).

// rpReports returns every report stored on in, newest first.
func rpReports(t *testing.T, in *kontortest.Instance) []*db.Report {
	t.Helper()
	list, err := in.DB.Reports(stCtx, true)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// rpNotifications counts u's notifications of any kind.
func rpNotifications(t *testing.T, in *kontortest.Instance, u *kontortest.User) int {
	t.Helper()
	list, err := in.DB.Notifications(stCtx, u.Account.ID, db.NotificationFilter{}, db.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

var rpTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// rpCheckEntity checks the exact shape of a Report entity.
func rpCheckEntity(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var v map[string]any
	stDecode(t, data, &v)
	want := []string{"id", "action_taken", "action_taken_at", "category", "comment", "forwarded", "created_at",
		"status_ids", "rule_ids", "target_account"}
	for _, k := range want {
		if _, ok := v[k]; !ok {
			t.Errorf("Report lacks %q: %s", k, data)
		}
	}
	if len(v) != len(want) {
		t.Errorf("Report has %d fields, want %d: %s", len(v), len(want), data)
	}
	if _, ok := v["id"].(string); !ok {
		t.Errorf("id is not a string: %v", v["id"])
	}
	if v["action_taken"] != false || v["action_taken_at"] != nil {
		t.Errorf("a new report is open: %v %v", v["action_taken"], v["action_taken_at"])
	}
	if s, _ := v["created_at"].(string); !rpTime.MatchString(s) {
		t.Errorf("created_at %v", v["created_at"])
	}
	if _, ok := v["forwarded"].(bool); !ok {
		t.Errorf("forwarded %v", v["forwarded"])
	}
	ids, ok := v["status_ids"].([]any)
	if !ok {
		t.Errorf("status_ids is not an array: %v", v["status_ids"])
	}
	for _, id := range ids {
		if _, ok := id.(string); !ok {
			t.Errorf("status id %v is not a string", id)
		}
	}
	if v["rule_ids"] != nil {
		t.Errorf("rule_ids %v, want null", v["rule_ids"])
	}
	acct, _ := v["target_account"].(map[string]any)
	if acct == nil || acct["id"] == nil || acct["acct"] == nil || acct["username"] == nil {
		t.Errorf("target_account is not an Account: %v", v["target_account"])
	}
	return v
}

// Alice reports bob through go-mastodon and raw HTTP (JSON and form); the
// reports are stored with what she named, and nobody is notified.
func TestReportCreate(t *testing.T) {
	in := stStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	bobID := db.FormatID(bob.Account.ID)
	public := stPost(t, in, bob, map[string]any{"status": "buy cheap watches"})
	dm := stPost(t, in, bob, map[string]any{"status": "@alice psst, cheap watches", "visibility": "direct"})
	before := rpNotifications(t, in, bob)

	c := stClient(in, alice.Token)
	rep, err := c.Report(stCtx, mastodon.ID(bobID), []mastodon.ID{mastodon.ID(public.ID)}, "spam")
	if err != nil || rep.ID == "" || rep.ActionTaken {
		t.Fatalf("go-mastodon Report: %+v %v", rep, err)
	}

	resp, data := stCall(t, in, "POST", "/api/v1/reports", alice.Token, map[string]any{
		"account_id": bobID, "status_ids": []string{public.ID, dm.ID, public.ID}, "comment": "Spam, and in my DMs too",
		"category": "spam", "forward": true,
	})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON report: %d %s", resp.StatusCode, data)
	}
	v := rpCheckEntity(t, data)
	if v["category"] != "spam" || v["comment"] != "Spam, and in my DMs too" || v["forwarded"] != false {
		t.Errorf("entity: %s", data)
	}
	if ids := v["status_ids"].([]any); len(ids) != 2 || ids[0] != public.ID || ids[1] != dm.ID {
		t.Errorf("status_ids %v, want [%s %s] (repeats dropped)", ids, public.ID, dm.ID)
	}
	if acct := v["target_account"].(map[string]any); acct["id"] != bobID || acct["acct"] != "bob" {
		t.Errorf("target_account %v", acct)
	}

	// Form-encoded, as Tusky sends it; no statuses, default category.
	_, data = stCall(t, in, "POST", "/api/v1/reports", alice.Token, url.Values{"account_id": {bobID}, "comment": {"rude"}})
	v = rpCheckEntity(t, data)
	if v["category"] != "other" || len(v["status_ids"].([]any)) != 0 {
		t.Errorf("form report: %s", data)
	}
	// status_ids[] in a form, as masto and go-mastodon send arrays.
	_, data = stCall(t, in, "POST", "/api/v1/reports", alice.Token, url.Values{"account_id": {bobID}, "status_ids[]": {public.ID}, "category": {"legal"}})
	if v = rpCheckEntity(t, data); v["category"] != "legal" || len(v["status_ids"].([]any)) != 1 {
		t.Errorf("form with status_ids[]: %s", data)
	}

	list := rpReports(t, in)
	if len(list) != 4 {
		t.Fatalf("%d reports stored, want 4", len(list))
	}
	r := list[2] // the JSON one
	if r.AccountID != alice.Account.ID || r.TargetAccountID != bob.Account.ID || r.Category != "spam" || r.Forwarded ||
		!slices.Equal(r.StatusIDs, []int64{rpID(t, public.ID), rpID(t, dm.ID)}) || r.RuleIDs != nil || r.ActionTakenAt != nil || r.URI != "" {
		t.Errorf("stored report: %+v", r)
	}
	if r.Account == nil || r.Account.Username != "alice" || r.TargetAccount == nil || r.TargetAccount.Username != "bob" {
		t.Errorf("report relations: %+v %+v", r.Account, r.TargetAccount)
	}
	if n := rpNotifications(t, in, bob); n != before {
		t.Errorf("bob got %d notifications about being reported", n-before)
	}
	if n := rpNotifications(t, in, carol); n != 0 {
		t.Errorf("carol got %d notifications", n)
	}

	// Resolving (the admin command does this) shows in the entity.
	res, err := in.DB.ResolveReport(stCtx, r.ID, nil)
	if err != nil || res.ActionTakenAt == nil {
		t.Fatalf("resolve: %+v %v", res, err)
	}
	again, err := in.DB.ResolveReport(stCtx, r.ID, nil)
	if err != nil || !again.ActionTakenAt.Equal(*res.ActionTakenAt) {
		t.Errorf("resolving twice moved the time: %v %v", res.ActionTakenAt, again.ActionTakenAt)
	}
	if open, _ := in.DB.Reports(stCtx, false); len(open) != 3 {
		t.Errorf("%d open reports after resolving one, want 3", len(open))
	}
}

func rpID(t *testing.T, s string) int64 {
	t.Helper()
	id, ok := db.ParseID(s)
	if !ok {
		t.Fatalf("bad id %q", s)
	}
	return id
}

// Refused reports: each answers the right status, names the field, and
// stores nothing.
func TestReportValidation(t *testing.T) {
	in := stStart(t)
	alice, bob, carol := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol")
	bobID := db.FormatID(bob.Account.ID)
	bobPublic := stPost(t, in, bob, map[string]any{"status": "hello"})
	bobPrivate := stPost(t, in, bob, map[string]any{"status": "followers only", "visibility": "private"})
	bobDM := stPost(t, in, bob, map[string]any{"status": "@carol just for carol", "visibility": "direct"})
	carolPublic := stPost(t, in, carol, map[string]any{"status": "carol's"})
	stBlock(t, in, bob, carol)
	instanceActor, err := in.DB.LocalAccount(stCtx, activitypub.InstanceActorUsername)
	if err != nil {
		t.Fatal(err)
	}
	readOnly := stTokenWith(t, in, alice, "read")
	writeStatuses := stTokenWith(t, in, alice, "write:statuses")
	writeReports := stTokenWith(t, in, alice, "write:reports")

	cases := []struct {
		name    string
		token   string
		body    any
		status  int
		mention string
	}{
		{"anonymous", "", map[string]any{"account_id": bobID}, 401, ""},
		{"read scope", readOnly, map[string]any{"account_id": bobID}, 403, ""},
		{"other write scope", writeStatuses, map[string]any{"account_id": bobID}, 403, ""},
		{"no account_id", alice.Token, map[string]any{"comment": "x"}, 422, "account_id"},
		{"empty account_id", alice.Token, map[string]any{"account_id": ""}, 422, "account_id"},
		{"malformed account_id", alice.Token, map[string]any{"account_id": "bob"}, 404, ""},
		{"unknown account", alice.Token, map[string]any{"account_id": "999999999"}, 404, ""},
		{"instance actor", alice.Token, map[string]any{"account_id": db.FormatID(instanceActor.ID)}, 404, ""},
		{"oneself", alice.Token, map[string]any{"account_id": db.FormatID(alice.Account.ID)}, 422, "account_id"},
		{"someone else's status", alice.Token, map[string]any{"account_id": bobID, "status_ids": []string{carolPublic.ID}}, 422, "status_ids"},
		{"a private status alice can't see", alice.Token, map[string]any{"account_id": bobID, "status_ids": []string{bobPrivate.ID}}, 422, "status_ids"},
		{"a DM to someone else", alice.Token, map[string]any{"account_id": bobID, "status_ids": []string{bobPublic.ID, bobDM.ID}}, 422, "status_ids"},
		{"a status hidden by a block", carol.Token, map[string]any{"account_id": bobID, "status_ids": []string{bobDM.ID}}, 422, "status_ids"},
		{"an unknown status", alice.Token, map[string]any{"account_id": bobID, "status_ids": []string{"123456789"}}, 422, "status_ids"},
		{"a malformed status id", alice.Token, map[string]any{"account_id": bobID, "status_ids": []string{"x"}}, 422, "status_ids"},
		{"comment too long", alice.Token, map[string]any{"account_id": bobID, "comment": strings.Repeat("é", 1001)}, 422, "comment"},
		{"unknown category", alice.Token, map[string]any{"account_id": bobID, "category": "rude"}, 422, "category"},
		{"a rule (there are none)", alice.Token, map[string]any{"account_id": bobID, "category": "violation", "rule_ids": []string{"1"}}, 422, "rule_ids"},
		{"a malformed rule", alice.Token, url.Values{"account_id": {bobID}, "rule_ids[]": {"first"}}, 422, "rule_ids"},
		{"forward not a boolean", alice.Token, map[string]any{"account_id": bobID, "forward": "maybe"}, 422, "forward"},
		{"malformed JSON", alice.Token, `{"account_id": `, 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := stCall(t, in, "POST", "/api/v1/reports", tc.token, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, data, tc.status)
			}
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(data, &e); err != nil || e.Error == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("error body %q (%s)", data, resp.Header.Get("Content-Type"))
			}
			if !strings.Contains(e.Error, tc.mention) {
				t.Errorf("error %q does not name %s", e.Error, tc.mention)
			}
		})
	}
	if list := rpReports(t, in); len(list) != 0 {
		t.Fatalf("refused reports stored %d rows", len(list))
	}

	// What passes: the limits themselves, write:reports alone, and someone
	// blocked by bob reporting bob (without statuses, which she can't see).
	for _, tc := range []struct {
		name  string
		token string
		body  map[string]any
	}{
		{"comment of 1000 characters", alice.Token, map[string]any{"account_id": bobID, "comment": strings.Repeat("é", 1000)}},
		{"write:reports alone", writeReports, map[string]any{"account_id": bobID, "category": "violation"}},
		{"reported by someone they block", carol.Token, map[string]any{"account_id": bobID, "comment": "he blocked me after this"}},
	} {
		if resp, data := stCall(t, in, "POST", "/api/v1/reports", tc.token, tc.body); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, data)
		}
	}
	if list := rpReports(t, in); len(list) != 3 {
		t.Errorf("%d reports, want 3", len(list))
	}
}

// Alice reports a remote account with forward: a Flag from the instance
// actor (not from her) reaches the account's server, naming the account
// and the status; without forward nothing is sent.
func TestReportForwardsFlag(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	fs := kontortest.NewFakeServer(t)
	mallory := fs.Actor("mallory")
	noShared := fs.Actor("trudy")
	delete(noShared.Doc, "endpoints")
	note := mallory.Note("1", "<p>spam spam spam</p>", nil)
	noteURL := fs.Object("/users/mallory/statuses/1", note)

	s, err := in.Engine().FetchStatus(stCtx, noteURL)
	if err != nil {
		t.Fatal(err)
	}
	malloryAcct, err := in.Engine().Resolver().Actor(stCtx, mallory.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	trudyAcct, err := in.Engine().Resolver().Actor(stCtx, noShared.ID, false)
	if err != nil {
		t.Fatal(err)
	}

	_, data := stCall(t, in, "POST", "/api/v1/reports", alice.Token, map[string]any{
		"account_id": db.FormatID(malloryAcct.ID), "status_ids": []string{db.FormatID(s.ID)}, "comment": "spammer", "forward": true,
	})
	if v := rpCheckEntity(t, data); v["forwarded"] != true {
		t.Fatalf("forwarded %v: %s", v["forwarded"], data)
	}
	var flag map[string]any
	kontortest.Eventually(t, kontortest.Wait, "the Flag to reach the fake server", func() bool {
		for _, r := range fs.Received() {
			if r.Path == "/inbox" && json.Unmarshal(r.Body, &flag) == nil && flag["type"] == "Flag" {
				if strings.Contains(string(r.Body), "alice") {
					t.Errorf("the Flag names the reporter: %s", r.Body)
				}
				return true
			}
		}
		return false
	})
	if flag["actor"] != in.URL+"/actor" || flag["content"] != "spammer" {
		t.Errorf("Flag actor/content: %v", flag)
	}
	if obj, _ := flag["object"].([]any); len(obj) != 2 || obj[0] != mallory.ID || obj[1] != noteURL {
		t.Errorf("Flag object %v, want [%s %s]", flag["object"], mallory.ID, noteURL)
	}
	id, _ := flag["id"].(string)
	if !strings.HasPrefix(id, in.URL+"/") {
		t.Errorf("Flag id %q", id)
	}
	stored := rpReports(t, in)
	if len(stored) != 1 || !stored[0].Forwarded || stored[0].URI != id {
		t.Errorf("stored report: %+v", stored)
	}
	// The Flag is not served to anyone.
	if resp, body := in.Get(id, "Accept: application/activity+json"); resp.StatusCode == 200 {
		t.Errorf("GET of the Flag answered %s", body)
	}

	// No shared inbox: the personal inbox; an account-only Flag is still an array.
	_, data = stCall(t, in, "POST", "/api/v1/reports", alice.Token, url.Values{"account_id": {db.FormatID(trudyAcct.ID)}, "forward": {"true"}})
	if v := rpCheckEntity(t, data); v["forwarded"] != true {
		t.Errorf("forwarded to a personal inbox: %s", data)
	}
	kontortest.Eventually(t, kontortest.Wait, "the Flag to reach trudy's inbox", func() bool {
		for _, r := range fs.Received() {
			var f map[string]any
			if r.Path == "/users/trudy/inbox" && json.Unmarshal(r.Body, &f) == nil && f["type"] == "Flag" {
				obj, _ := f["object"].([]any)
				if len(obj) != 1 || obj[0] != noShared.ID {
					t.Errorf("account-only Flag object %v", f["object"])
				}
				return true
			}
		}
		return false
	})

	// Without forward, nothing goes out.
	sent := len(fs.Received())
	_, data = stCall(t, in, "POST", "/api/v1/reports", alice.Token, map[string]any{"account_id": db.FormatID(malloryAcct.ID), "forward": false})
	if v := rpCheckEntity(t, data); v["forwarded"] != false {
		t.Errorf("not forwarded: %s", data)
	}
	in.DeliveriesDone()
	time.Sleep(200 * time.Millisecond)
	if n := len(fs.Received()); n != sent {
		t.Errorf("a report without forward sent %d activities", n-sent)
	}

	// Nothing goes to a blocked domain (its accounts are suspended), so such
	// a report is not forwarded.
	if err := in.Engine().SyncDomainBlocks(stCtx, []string{vocab.Host(fs.URL)}); err != nil {
		t.Fatal(err)
	}
	_, data = stCall(t, in, "POST", "/api/v1/reports", alice.Token, map[string]any{"account_id": db.FormatID(malloryAcct.ID), "forward": true})
	if v := rpCheckEntity(t, data); v["forwarded"] != false {
		t.Errorf("forwarded to a blocked domain: %s", data)
	}
	in.DeliveriesDone()
	time.Sleep(200 * time.Millisecond)
	if n := len(fs.Received()); n != sent {
		t.Errorf("a report about a blocked domain's account sent %d activities", n-sent)
	}
}

// A remote server's Flag about a local status becomes a report for the
// local admins, from the remote actor, marked forwarded; flags about
// nothing local are ignored, a redelivery is applied once, and the
// reported user is never told.
func TestIncomingFlag(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	post := in.Post(bob, activitypub.PostParams{Text: "a post someone dislikes", Visibility: db.Public})
	private := in.Post(bob, activitypub.PostParams{Text: "followers only", Visibility: db.Private})
	fs := kontortest.NewFakeServer(t)
	mod := fs.Actor("moderator")
	before := rpNotifications(t, in, bob)

	send := func(id string, object any, content string) {
		t.Helper()
		body := mod.Activity("Flag", id, object, map[string]any{"content": content})
		if status, resp := mod.SignedPost(in.URL+"/inbox", body); status != http.StatusAccepted {
			t.Fatalf("Flag %s: %d %s", id, status, resp)
		}
	}
	// About nothing local: ignored.
	send("flags/0", []any{fs.URL + "/users/someone", fs.URL + "/users/someone/statuses/9"}, "not yours")
	send("flags/00", []any{in.URL + "/users/nobody"}, "nobody here")
	// The account and a status (and a status of its that the flagger could not see).
	flag1 := []any{bob.Account.URI, post.URI, private.URI, fs.URL + "/users/someone"}
	send("flags/1", flag1, "Harassment of our user")
	// A status alone, as a bare string: the report is about its author.
	send("flags/2", post.URI, "")
	// A redelivery of flags/1.
	send("flags/1", flag1, "Harassment of our user")
	plInboxSettled(t, in)

	list := rpReports(t, in)
	if len(list) != 2 {
		t.Fatalf("%d reports, want 2: %+v", len(list), list)
	}
	slices.SortFunc(list, func(a, b *db.Report) int { return strings.Compare(a.URI, b.URI) })
	r1, r2 := list[0], list[1]
	if r1.URI != mod.ID+"/flags/1" || r1.TargetAccountID != bob.Account.ID || r1.Comment != "Harassment of our user" ||
		!r1.Forwarded || r1.Category != "other" || !slices.Equal(r1.StatusIDs, []int64{post.ID, private.ID}) {
		t.Errorf("report of flags/1: %+v", r1)
	}
	if r1.Account == nil || r1.Account.URI != mod.ID || r1.Account.Local() {
		t.Errorf("reporter: %+v", r1.Account)
	}
	if r2.URI != mod.ID+"/flags/2" || r2.TargetAccountID != bob.Account.ID || !slices.Equal(r2.StatusIDs, []int64{post.ID}) {
		t.Errorf("report of flags/2: %+v", r2)
	}
	if n := rpNotifications(t, in, bob); n != before {
		t.Errorf("bob was told of the reports (%d notifications)", n-before)
	}
	if n := rpNotifications(t, in, alice); n != 0 {
		t.Errorf("alice got %d notifications", n)
	}
}
