package portability_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/portability"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name  string
		kind  portability.Kind
		in    string
		lines []int
		first []string
	}{
		{"follows with header", portability.Follows, "Account address,Show boosts,Notify on new posts,Languages\na@x.example,true,false,\n", []int{2}, []string{"a@x.example", "true", "false", ""}},
		{"follows without header", portability.Follows, "a@x.example\n\nb@y.example\n", []int{1, 3}, []string{"a@x.example"}},
		{"mutes", portability.Mutes, "Account address,Hide notifications\r\n a@x.example , false\r\n", []int{2}, []string{"a@x.example", "false"}},
		{"domain blocks", portability.DomainBlocks, "#domain\nspam.example\n", []int{2}, []string{"spam.example"}},
		{"lists", portability.Lists, "Work,a@x.example\nWork,b@y.example\n", []int{1, 2}, []string{"Work", "a@x.example"}},
		{"quoted languages", portability.Follows, "a@x.example,true,false,\"en, de\"\n", []int{1}, []string{"a@x.example", "true", "false", "en, de"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := portability.Parse(c.kind, strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			for _, r := range rows {
				lines = append(lines, r.Line)
			}
			if !equal(lines, c.lines) || strings.Join(rows[0].Fields, "|") != strings.Join(c.first, "|") {
				t.Fatalf("rows %+v, want lines %v first %q", rows, c.lines, c.first)
			}
		})
	}
	if _, err := portability.Parse(portability.Follows, strings.NewReader("a,\"b\n")); err == nil {
		t.Fatal("a broken CSV parsed")
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExportImportAcrossInstances exports alice's relationships on one
// instance and imports them for erin on another, where every account is
// remote and resolved over the network.
func TestExportImportAcrossInstances(t *testing.T) {
	ctx := context.Background()
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol := a.CreateUser("alice"), a.CreateUser("bob"), a.CreateUser("carol")
	dave, erin := b.CreateUser("dave"), b.CreateUser("erin")
	e := a.Engine()
	if _, err := e.Follow(ctx, alice.Account, bob.Account, activitypub.FollowOptions{ShowReblogs: false, Notify: true, Languages: []string{"en", "de"}}); err != nil {
		t.Fatal(err)
	}
	a.Follow(alice, b, dave)
	if err := e.Block(ctx, alice.Account, carol.Account); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.MuteAccount(ctx, &db.Mute{AccountID: alice.Account.ID, TargetAccountID: a.RemoteAccount(dave, b).ID, HideNotifications: true}); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.AddAccountDomainBlock(ctx, alice.Account.ID, "spam.example"); err != nil {
		t.Fatal(err)
	}
	post := a.Post(bob, activitypub.PostParams{Text: "worth keeping", Visibility: db.Public})
	if err := a.DB.Bookmark(ctx, alice.Account.ID, post.ID); err != nil {
		t.Fatal(err)
	}
	work := &db.List{AccountID: alice.Account.ID, Title: "Work", RepliesPolicy: "list"}
	if err := a.DB.CreateList(ctx, work); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.AddListMembers(ctx, work, []int64{bob.Account.ID}); err != nil {
		t.Fatal(err)
	}

	export := func(kind portability.Kind) string {
		var buf bytes.Buffer
		if err := portability.Export(ctx, a.DB, e.URLs(), alice.Account, kind, &buf); err != nil {
			t.Fatalf("export %s: %v", kind, err)
		}
		return buf.String()
	}
	want := map[portability.Kind]string{
		portability.Follows:      "Account address,Show boosts,Notify on new posts,Languages\n" + bob.Handle + ",false,true,\"en, de\"\n" + dave.Handle + ",true,false,\n",
		portability.Blocks:       carol.Handle + "\n",
		portability.Mutes:        "Account address,Hide notifications\n" + dave.Handle + ",true\n",
		portability.DomainBlocks: "spam.example\n",
		portability.Bookmarks:    post.URI + "\n",
		portability.Lists:        "Work," + bob.Handle + "\n",
	}
	files := map[portability.Kind]string{}
	for _, kind := range portability.Kinds {
		files[kind] = export(kind)
		if files[kind] != want[kind] {
			t.Errorf("export %s:\n%q\nwant\n%q", kind, files[kind], want[kind])
		}
	}

	im := &portability.Importer{Engine: b.Engine(), Concurrency: 2}
	run := func(kind portability.Kind, mode portability.Mode, file string) *portability.Result {
		rows, err := portability.Parse(kind, strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := im.Import(ctx, erin.Account, kind, mode, rows)
		if err != nil {
			t.Fatalf("import %s: %v", kind, err)
		}
		return res
	}
	// A bad row and an unknown account fail alone.
	res := run(portability.Follows, portability.Merge, files[portability.Follows]+"nobody@"+a.Host+"\nnot-an-address\n")
	if res.Total != 4 || res.Done != 2 || len(res.Failed) != 2 || res.Failed[0].Line != 4 || res.Failed[1].Reason != "not an account address (user@domain)" {
		t.Fatalf("follows import: %+v", res)
	}
	bobOnB := b.Resolve(bob)
	f, err := b.DB.FollowBetween(ctx, erin.Account.ID, bobOnB.ID)
	if err != nil || f.ShowReblogs || !f.Notify || f.Languages != "en,de" {
		t.Fatalf("erin's follow of bob: %+v, %v", f, err)
	}
	if _, err := b.DB.FollowBetween(ctx, erin.Account.ID, dave.Account.ID); err != nil {
		t.Fatalf("erin does not follow dave (a local account of hers): %v", err)
	}
	for _, kind := range []portability.Kind{portability.Blocks, portability.Mutes, portability.DomainBlocks, portability.Bookmarks, portability.Lists} {
		if res := run(kind, portability.Merge, files[kind]); res.Done != 1 || len(res.Failed) != 0 {
			t.Fatalf("import %s: %+v", kind, res)
		}
	}
	// What erin now has exports as what alice had (her handles are the same).
	for _, kind := range []portability.Kind{portability.Blocks, portability.DomainBlocks, portability.Bookmarks, portability.Lists} {
		var buf bytes.Buffer
		if err := portability.Export(ctx, b.DB, b.Engine().URLs(), erin.Account, kind, &buf); err != nil {
			t.Fatal(err)
		}
		if buf.String() != files[kind] {
			t.Errorf("erin's %s:\n%q\nwant\n%q", kind, buf.String(), files[kind])
		}
	}

	// Overwrite with only bob: the follow of dave goes, bob's stays; a row
	// that fails keeps nothing extra but removes nothing named.
	res = run(portability.Follows, portability.Overwrite, bob.Handle+"\n")
	if res.Removed != 1 {
		t.Fatalf("overwrite: %+v", res)
	}
	if _, err := b.DB.FollowBetween(ctx, erin.Account.ID, dave.Account.ID); err == nil {
		t.Fatal("overwrite kept the follow of dave")
	}
	if _, err := b.DB.FollowBetween(ctx, erin.Account.ID, bobOnB.ID); err != nil {
		t.Fatalf("overwrite removed the follow of bob: %v", err)
	}
	res = run(portability.Blocks, portability.Overwrite, "")
	if res.Removed != 1 {
		t.Fatalf("overwrite blocks with an empty file: %+v", res)
	}
}

// Jobs queued as the settings pages queue them are run by the instance in
// the background: an import (one row fails) and an archive.
func TestBackgroundJobs(t *testing.T) {
	ctx := context.Background()
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	in.Post(alice, activitypub.PostParams{Text: "hello", Visibility: db.Public})
	file := []byte("Account address,Show boosts\n" + bob.Handle + ",false\nnobody@" + in.Host + ",true\n")
	imp, err := portability.QueueImport(ctx, in.DB, alice.Account, portability.Follows, portability.Merge, file)
	if err != nil || imp.Total != 2 {
		t.Fatalf("queue import: %v %+v", err, imp)
	}
	arc, err := portability.QueueArchive(ctx, in.DB, alice.Account)
	if err != nil {
		t.Fatal(err)
	}
	wait := func(id int64) *db.PortabilityJob {
		var j *db.PortabilityJob
		kontortest.Eventually(t, kontortest.Wait, "the job to finish", func() bool {
			j, err = in.DB.PortabilityJob(ctx, alice.Account.ID, id)
			return err == nil && (j.State == db.JobDone || j.State == db.JobFailed)
		})
		return j
	}
	j := wait(imp.ID)
	if j.State != db.JobDone || j.Progress != 2 || !strings.Contains(j.Result, `"done":1`) || !strings.Contains(j.Result, "no such account") {
		t.Fatalf("import job: %+v", j)
	}
	if f, err := in.DB.FollowBetween(ctx, alice.Account.ID, bob.Account.ID); err != nil || f.ShowReblogs {
		t.Fatalf("the import did not follow bob as the file says: %+v %v", f, err)
	}
	j = wait(arc.ID)
	if j.State != db.JobDone || j.FileKey == "" || !strings.Contains(j.Result, `"Statuses":1`) {
		t.Fatalf("archive job: %+v", j)
	}
	r, _, err := in.Server.Media.Open(ctx, j.FileKey)
	if err != nil {
		t.Fatalf("the archive is not stored: %v", err)
	}
	r.Close()
	// A second archive replaces the first.
	arc2, err := portability.QueueArchive(ctx, in.DB, alice.Account)
	if err != nil {
		t.Fatal(err)
	}
	if j2 := wait(arc2.ID); j2.State != db.JobDone || j2.FileKey == "" {
		t.Fatalf("second archive: %+v", j2)
	}
	if _, _, err := in.Server.Media.Open(ctx, j.FileKey); err == nil {
		t.Error("the first archive's file is still stored")
	}
	if old, _ := in.DB.PortabilityJob(ctx, alice.Account.ID, arc.ID); old.FileKey != "" {
		t.Errorf("the first archive's job still names its file: %+v", old)
	}
	if _, err := in.DB.PortabilityJob(ctx, bob.Account.ID, arc.ID); err == nil {
		t.Error("bob sees alice's job")
	}
}

// A list import follows the accounts it lists; an overwrite removes the
// lists and members the file does not name, and keeps the rest.
func TestListImport(t *testing.T) {
	ctx := context.Background()
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, carol, dave := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave")
	im := &portability.Importer{Engine: in.Engine()}
	run := func(mode portability.Mode, file string) *portability.Result {
		rows, err := portability.Parse(portability.Lists, strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := im.Import(ctx, alice.Account, portability.Lists, mode, rows)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run(portability.Merge, "Work,"+bob.Handle+"\nWork,"+carol.Handle+"\nFriends,"+dave.Handle+"\n"+strings.Repeat("x", 600)+","+bob.Handle+"\n")
	if res.Done != 3 || len(res.Failed) != 1 || res.Failed[0].Reason != "the list name is too long" {
		t.Fatalf("merge: %+v", res)
	}
	if f, err := in.DB.FollowBetween(ctx, alice.Account.ID, carol.Account.ID); err != nil || !f.Accepted {
		t.Fatalf("the list import did not follow carol: %v", err)
	}
	res = run(portability.Overwrite, "Work,"+bob.Handle+"\n")
	if res.Removed != 2 { // the list Friends, and carol from Work
		t.Fatalf("overwrite: %+v", res)
	}
	var buf bytes.Buffer
	if err := portability.Export(ctx, in.DB, in.Engine().URLs(), alice.Account, portability.Lists, &buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "Work,"+bob.Handle+"\n" {
		t.Errorf("lists after the overwrite: %q", buf.String())
	}
}
