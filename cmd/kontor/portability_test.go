package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice's follows go out through `kontor admin export` and into carol's
// account through `kontor admin import`, on a running instance.
func TestExportImportCLI(t *testing.T) {
	ctx := context.Background()
	in := kontortest.Start(t, kontortest.Options{})
	alice, bob, dave := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("dave")
	carol := in.CreateUser("carol")
	if _, err := in.Engine().Follow(ctx, alice.Account, bob.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Engine().Follow(ctx, carol.Account, dave.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	c := cliFor(t, in)
	want := "Account address,Show boosts,Notify on new posts,Languages\n" + bob.Handle + ",true,false,\n"
	if out := c.mustRun("admin", "export", "follows", "--username", "alice"); out != want {
		t.Fatalf("export to stdout: %q, want %q", out, want)
	}
	file := filepath.Join(t.TempDir(), "following_accounts.csv")
	c.mustRun("admin", "export", "follows", "--username", "@alice", "--out", file)
	data, err := os.ReadFile(file)
	if err != nil || string(data) != want {
		t.Fatalf("export to file: %q, %v", data, err)
	}
	if err := os.WriteFile(file, append(data, "ghost@"+in.Host+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}

	// The file before --mode; the unknown account fails alone (exit 1).
	code, out, errOut := c.run("", "admin", "import", "follows", "--username", "carol", file, "--mode", "overwrite")
	if code != exitError || !strings.Contains(out, "imported follows for @carol (overwrite): 1 of 2 rows done, 1 failed, 1 removed") ||
		!strings.Contains(out, "line 3: ghost@"+in.Host+": no such account") || !strings.Contains(errOut, "1 of 2 rows failed") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if f, err := in.DB.FollowBetween(ctx, carol.Account.ID, bob.Account.ID); err != nil || !f.Accepted {
		t.Fatalf("carol does not follow bob: %+v %v", f, err)
	}
	if _, err := in.DB.FollowBetween(ctx, carol.Account.ID, dave.Account.ID); err == nil {
		t.Fatal("overwrite kept carol's follow of dave")
	}
	// Standard input, merge.
	code, out, _ = c.run("spam.example\n", "admin", "import", "domain-blocks", "--username", "carol", "-")
	if code != 0 || !strings.Contains(out, "1 of 1 rows done, 0 failed") {
		t.Fatalf("import from stdin: exit %d %s", code, out)
	}

	for _, args := range [][]string{
		{"admin", "import", "follows", file},
		{"admin", "import", "follows", "--username", "carol"},
		{"admin", "import", "follows", "--username", "carol", file, "--mode", "replace"},
		{"admin", "export", "follows"},
		{"admin", "export", "friends", "--username", "alice"},
	} {
		if code, _, _ := c.run("", args...); code != exitUsage {
			t.Errorf("kontor %s: exit %d, want %d", strings.Join(args, " "), code, exitUsage)
		}
	}
	if code, _, errOut := c.run("", "admin", "export", "follows", "--username", "nobody"); code != exitError || !strings.Contains(errOut, `no local account "nobody"`) {
		t.Errorf("export of an unknown user: exit %d %s", code, errOut)
	}
}
