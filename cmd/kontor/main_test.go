package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/server"
)

// cli runs the CLI in-process against one database.
type cli struct {
	t   *testing.T
	env []string
}

func newCLI(t *testing.T) *cli {
	dir := t.TempDir()
	return &cli{t: t, env: []string{
		"KONTOR_DATABASE=" + kontortest.NewDatabaseURL(t, kontortest.Dialect()),
		"KONTOR_MEDIA_DIR=" + filepath.Join(dir, "media"),
		"KONTOR_HOST=social.example",
		"KONTOR_LOG_LEVEL=warn",
	}}
}

func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(stdin), &out, &errOut, c.env)
	return code, out.String(), errOut.String()
}

func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("kontor %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestAdminAccountLifecycle(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("admin", "account", "create", "--username", "jane", "--email", "jane@example.com", "--role", "admin")
	if !strings.Contains(out, "created @jane@social.example") || !strings.Contains(out, "password: ") {
		t.Errorf("create output: %q", out)
	}
	code, out, _ := c.run("s3cret-password\n", "admin", "account", "create", "--username", "john", "--email", "john@example.com", "--password-stdin")
	if code != 0 || strings.Contains(out, "password:") {
		t.Errorf("create with --password-stdin: exit %d, %q", code, out)
	}
	list := c.mustRun("admin", "account", "list")
	for _, want := range []string{"jane", "jane@example.com", "admin", "john", "user", "active"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "instance.actor") {
		t.Errorf("list shows the instance actor:\n%s", list)
	}

	token := strings.TrimSpace(c.mustRun("admin", "token", "create", "--username", "john", "--scopes", "read write follow"))
	if len(token) < 40 || strings.ContainsAny(token, " \n") {
		t.Errorf("token %q", token)
	}

	out = c.mustRun("admin", "account", "reset-password", "john")
	if !strings.Contains(out, "password: ") {
		t.Errorf("reset-password output %q", out)
	}

	c.mustRun("admin", "account", "suspend", "john")
	list = c.mustRun("admin", "account", "list")
	if !strings.Contains(list, "suspended") {
		t.Errorf("suspend not shown:\n%s", list)
	}
	code, _, errOut := c.run("", "admin", "token", "create", "--username", "john")
	if code != 1 || !strings.Contains(errOut, "suspended") {
		t.Errorf("token for a suspended user: exit %d %q", code, errOut)
	}
}

func TestCLIErrors(t *testing.T) {
	c := newCLI(t)
	c.mustRun("admin", "account", "create", "--username", "jane", "--email", "jane@example.com")
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no command", "", nil, 2, "missing command"},
		{"unknown command", "", []string{"frobnicate"}, 2, "unknown command"},
		{"unknown admin command", "", []string{"admin", "nope"}, 2, "unknown command"},
		{"missing username", "", []string{"admin", "account", "create", "--email", "a@b.c"}, 2, "--username is required"},
		{"bad username", "", []string{"admin", "account", "create", "--username", "no-dash", "--email", "a@b.c"}, 2, "--username"},
		{"bad email", "", []string{"admin", "account", "create", "--username", "x", "--email", "nope"}, 2, "--email"},
		{"bad role", "", []string{"admin", "account", "create", "--username", "x", "--email", "x@b.c", "--role", "king"}, 2, "--role"},
		{"short password", "", []string{"admin", "account", "create", "--username", "x", "--email", "x@b.c", "--password", "short"}, 2, "password"},
		{"both passwords", "pw\n", []string{"admin", "account", "create", "--username", "x", "--email", "x@b.c", "--password", "longenough", "--password-stdin"}, 2, "not both"},
		{"empty stdin", "", []string{"admin", "account", "create", "--username", "x", "--email", "x@b.c", "--password-stdin"}, 2, "no password"},
		{"taken username", "", []string{"admin", "account", "create", "--username", "JANE", "--email", "x@b.c"}, 1, "already exists"},
		{"taken email", "", []string{"admin", "account", "create", "--username", "x", "--email", "Jane@example.com"}, 1, "already exists"},
		{"unknown flag", "", []string{"admin", "account", "list", "--bogus"}, 2, "bogus"},
		{"stray argument", "", []string{"admin", "account", "list", "jane"}, 2, "unexpected argument"},
		{"stray argument to version", "", []string{"version", "2"}, 2, "unexpected argument"},
		{"suspend unknown", "", []string{"admin", "account", "suspend", "nobody"}, 1, "no local account"},
		{"suspend without name", "", []string{"admin", "account", "suspend"}, 2, "USERNAME"},
		{"bad scope", "", []string{"admin", "token", "create", "--username", "jane", "--scopes", "read everything"}, 2, "unknown scope"},
		{"token unknown user", "", []string{"admin", "token", "create", "--username", "ghost"}, 1, "no local account"},
		{"migrate bad action", "", []string{"migrate", "down"}, 2, "up"},
		{"missing config file", "", []string{"serve", "--config", "/nonexistent/kontor.toml"}, 2, "--config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := c.run(tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d (want %d), output %q (want %q)", code, tc.code, out+errOut, tc.want)
			}
		})
	}
	// The refused commands changed nothing.
	list := c.mustRun("admin", "account", "list")
	if strings.Count(list, "\n") != 2 {
		t.Errorf("after refused commands the list should hold one account:\n%s", list)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"version", "--help"}, {"admin", "--help"},
		{"admin", "account", "--help"}, {"admin", "account", "create", "--help"}, {"admin", "account", "list", "--help"},
		{"admin", "account", "suspend", "--help"}, {"admin", "account", "reset-password", "--help"},
		{"admin", "token", "create", "--help"},
	} {
		code, out, _ := c.run("", args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("kontor %s: exit %d, output %q", strings.Join(args, " "), code, out)
		}
	}
}

func TestConfigErrorExitsTwoBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "k.db")
	cfgPath := filepath.Join(dir, "config.toml")
	os.WriteFile(cfgPath, []byte("database = \"sqlite://"+dbPath+"\"\nregistrations = \"sometimes\"\n"), 0o600)
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"serve", "--config", cfgPath}, strings.NewReader(""), &out, &errOut, nil)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if got := strings.TrimSpace(errOut.String()); strings.Count(got, "\n") != 0 || !strings.Contains(got, "registrations") {
		t.Errorf("want one line naming the key, got %q", got)
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Errorf("the database file was created despite the bad config")
	}
}

func TestMigrateCommand(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("migrate", "status")
	if !strings.Contains(out, "pending") {
		t.Errorf("fresh status: %q", out)
	}
	out = c.mustRun("migrate")
	if !strings.Contains(out, "applied") {
		t.Errorf("migrate: %q", out)
	}
	out = c.mustRun("migrate", "up")
	if !strings.Contains(out, "up to date") {
		t.Errorf("second migrate: %q", out)
	}
	out = c.mustRun("migrate", "status")
	if !strings.Contains(out, ", 0 pending") {
		t.Errorf("status after migrate: %q", out)
	}
}

// TestServeBinary builds the real binary, starts it with no config file in an
// empty directory, talks to it, stops it with SIGTERM, and starts it again on
// the same database to check that the data is still there.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kontor")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := freePort(t)
	env := append(os.Environ(), "KONTOR_LISTEN=127.0.0.1:"+port, "KONTOR_HOST=127.0.0.1:"+port)
	if kontortest.Dialect() == "postgres" {
		env = append(env, "KONTOR_DATABASE="+kontortest.NewDatabaseURL(t, "postgres"))
	}
	base := "http://127.0.0.1:" + port

	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, "serve")
		cmd.Dir, cmd.Env = dir, env
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		kontortest.Eventually(t, 20*time.Second, "the server to answer", func() bool {
			resp, err := http.Get(base + "/healthz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == 200
		})
		return cmd, &logs
	}
	stop := func(cmd *exec.Cmd, logs *bytes.Buffer) {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, logs)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("no exit after SIGTERM\n%s", logs)
		}
		if !strings.Contains(logs.String(), "shutting down") {
			t.Errorf("no graceful shutdown in the logs:\n%s", logs)
		}
	}

	cmd, logs := start()
	if kontortest.Dialect() != "postgres" {
		if _, err := os.Stat(filepath.Join(dir, "kontor.db")); err != nil {
			t.Fatalf("./kontor.db was not created: %v", err)
		}
	}
	admin := exec.Command(bin, "admin", "account", "create", "--username", "keeper", "--email", "keeper@example.com")
	admin.Dir, admin.Env = dir, env
	if out, err := admin.CombinedOutput(); err != nil {
		t.Fatalf("admin account create while serving: %v\n%s", err, out)
	}
	stop(cmd, logs)

	cmd, logs = start()
	defer stop(cmd, logs)
	resp, err := http.Get(base + "/.well-known/webfinger?resource=acct:keeper@127.0.0.1:" + port)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after restart the account is gone: %d %s", resp.StatusCode, body)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

func TestAdminSignUpCommands(t *testing.T) {
	c := newCLI(t)
	c.env = append(c.env, "KONTOR_REGISTRATIONS=approval")
	ctx := context.Background()

	out := c.mustRun("admin", "invite", "create", "--max-uses", "3", "--expires-in", "7d")
	link := strings.TrimSpace(out)
	if !strings.HasPrefix(link, "http://social.example/invite/") || len(link) < len("http://social.example/invite/")+20 {
		t.Fatalf("invite create printed %q", out)
	}
	c.mustRun("admin", "invite", "create", "--expires-in", "never")
	list := c.mustRun("admin", "invite", "list")
	for _, want := range []string{"0/3", "0/∞", "never", "usable", "admin"} {
		if !strings.Contains(list, want) {
			t.Errorf("invite list lacks %q:\n%s", want, list)
		}
	}
	for _, bad := range [][]string{
		{"admin", "invite", "create", "--expires-in", "soon"},
		{"admin", "invite", "create", "--max-uses", "-1"},
		{"admin", "account", "approve"},
	} {
		if code, _, _ := c.run("", bad...); code != 2 {
			t.Errorf("kontor %s: exit %d, want 2", strings.Join(bad, " "), code)
		}
	}

	// A sign-up waiting for approval and confirmation, made through the
	// store the way the sign-up page makes it.
	dbURL := ""
	for _, kv := range c.env {
		if v, ok := strings.CutPrefix(kv, "KONTOR_DATABASE="); ok {
			dbURL = v
		}
	}
	store, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfg, err := config.Load("", false, c.env)
	if err != nil {
		t.Fatal(err)
	}
	files, err := server.NewMediaStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := server.NewEngine(cfg, store, files, kontortest.Logger(t)).CreateLocalAccount(ctx, activitypub.NewLocalAccount{
		Username: "jane", Email: "jane@acme.example", Password: "password-jane"})
	if err != nil {
		t.Fatal(err)
	}
	if list := c.mustRun("admin", "account", "list"); !strings.Contains(list, "pending-approval") {
		t.Errorf("account list does not show the pending account:\n%s", list)
	}
	if out := c.mustRun("admin", "account", "approve", "jane"); !strings.Contains(out, "approved @jane") {
		t.Errorf("approve: %q", out)
	}
	if list := c.mustRun("admin", "account", "list"); !strings.Contains(list, "unconfirmed") {
		t.Errorf("account list does not show the unconfirmed account:\n%s", list)
	}
	if out := c.mustRun("admin", "account", "confirm", "@jane"); !strings.Contains(out, "@jane") {
		t.Errorf("confirm: %q", out)
	}
	u, _ := store.UserByAccountID(ctx, a.ID)
	if !u.Approved || u.ConfirmedAt == nil {
		t.Errorf("after approve and confirm: approved %v confirmed %v", u.Approved, u.ConfirmedAt)
	}
	if code, _, errOut := c.run("", "admin", "account", "confirm", "nobody"); code != 1 || !strings.Contains(errOut, "no local account") {
		t.Errorf("confirm nobody: %d %q", code, errOut)
	}
}
