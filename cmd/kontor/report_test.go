package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// cliFor runs the CLI in-process against a running test instance's database.
func cliFor(t *testing.T, in *kontortest.Instance) *cli {
	return &cli{t: t, env: []string{
		"KONTOR_DATABASE=" + in.Config.Database,
		"KONTOR_MEDIA_DIR=" + filepath.Join(t.TempDir(), "media"),
		"KONTOR_HOST=" + in.Host,
		"KONTOR_PROTOCOL=http",
		"KONTOR_LOG_LEVEL=warn",
	}}
}

// Alice on A reports bob on B and asks to forward it: B's admin sees the
// report with the command line, from A's instance actor (not from alice),
// about bob and his status, and resolves it. Bob is never told.
func TestReportForwardedToAnotherKontor(t *testing.T) {
	ctx := context.Background()
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	a.Follow(alice, b, bob)
	post := b.Post(bob, activitypub.PostParams{Text: "cheap watches, click here", Visibility: db.Public})
	copyOnA := a.WaitStatus(post.URI)
	bobOnA := a.RemoteAccount(bob, b)
	bobNotes := func() int {
		list, err := b.DB.Notifications(ctx, bob.Account.ID, db.NotificationFilter{}, db.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	before := bobNotes()

	form := url.Values{"account_id": {db.FormatID(bobOnA.ID)}, "status_ids[]": {db.FormatID(copyOnA.ID)},
		"comment": {"Spam from\tyour user\nagain"}, "category": {"spam"}, "forward": {"true"}}
	resp, body := a.Do("POST", "/api/v1/reports", []byte(form.Encode()),
		"Authorization: Bearer "+alice.Token, "Content-Type: application/x-www-form-urlencoded")
	var rep struct {
		ID        string `json:"id"`
		Forwarded bool   `json:"forwarded"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || !rep.Forwarded {
		t.Fatalf("report on A: %d %s", resp.StatusCode, body)
	}

	var onB *db.Report
	kontortest.Eventually(t, kontortest.Wait, "the report to reach B", func() bool {
		list, err := b.DB.Reports(ctx, false)
		if err == nil && len(list) == 1 {
			onB = list[0]
		}
		return onB != nil
	})
	if onB.TargetAccountID != bob.Account.ID || len(onB.StatusIDs) != 1 || onB.StatusIDs[0] != post.ID || !onB.Forwarded {
		t.Errorf("report on B: %+v", onB)
	}

	admB := cliFor(t, b)
	list := admB.mustRun("admin", "report", "list")
	t.Logf("kontor admin report list on B:\n%s", list)
	id := fmt.Sprint(onB.ID)
	for _, want := range []string{"ID", "REPORTER", "COMMENT", id, "@instance.actor@" + a.Host + " (remote)", "@bob ",
		db.FormatID(post.ID), "other", "Spam from your user again"} {
		if !strings.Contains(list, want) {
			t.Errorf("B's report list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "alice") {
		t.Errorf("B learns who reported:\n%s", list)
	}
	if n := bobNotes(); n != before {
		t.Errorf("bob was told (%d notifications)", n-before)
	}

	// A's admins see alice's report too.
	listA := cliFor(t, a).mustRun("admin", "report", "list")
	for _, want := range []string{rep.ID, "@alice", "@bob@" + b.Host, "spam", db.FormatID(copyOnA.ID)} {
		if !strings.Contains(listA, want) {
			t.Errorf("A's report list lacks %q:\n%s", want, listA)
		}
	}

	if out := admB.mustRun("admin", "report", "resolve", id); !strings.Contains(out, "resolved report "+id+" about @bob") {
		t.Errorf("resolve: %q", out)
	}
	if out := admB.mustRun("admin", "report", "list"); !strings.Contains(out, "no open reports") {
		t.Errorf("after resolving, list shows:\n%s", out)
	}
	all := admB.mustRun("admin", "report", "list", "--all")
	t.Logf("kontor admin report list --all on B:\n%s", all)
	if !strings.Contains(all, "RESOLVED") || !strings.Contains(all, id) || strings.Count(all, "\n") != 2 {
		t.Errorf("list --all:\n%s", all)
	}
	if r, err := b.DB.ReportByID(ctx, onB.ID); err != nil || r.ActionTakenAt == nil {
		t.Errorf("stored after resolve: %+v %v", r, err)
	}
	if out := admB.mustRun("admin", "report", "resolve", id); !strings.Contains(out, "already resolved") {
		t.Errorf("resolve again: %q", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admin", "report", "resolve", "999999"}, 1, "no report 999999"},
		{[]string{"admin", "report", "resolve", "x"}, 2, "not a report ID"},
		{[]string{"admin", "report", "resolve"}, 2, "exactly one"},
		{[]string{"admin", "report", "list", "extra"}, 2, "unexpected argument"},
	} {
		if code, _, errOut := admB.run("", tc.args...); code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("kontor %s: exit %d %q, want %d %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
	}
}
