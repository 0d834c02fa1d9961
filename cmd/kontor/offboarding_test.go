package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/kontortest"
)

// runningCLI is the CLI on the database of a running instance.
func runningCLI(t *testing.T) (*cli, *kontortest.Instance) {
	t.Helper()
	url := kontortest.NewDatabaseURL(t, kontortest.Dialect())
	in := kontortest.Start(t, kontortest.Options{DatabaseURL: url})
	return &cli{t: t, env: []string{
		"KONTOR_DATABASE=" + url,
		"KONTOR_MEDIA_DIR=" + filepath.Join(t.TempDir(), "media"),
		"KONTOR_HOST=" + in.Config.Host,
		"KONTOR_PROTOCOL=http",
		"KONTOR_LOG_LEVEL=warn",
	}}, in
}

// status is the HTTP status of GET verify_credentials with a token.
func status(t *testing.T, in *kontortest.Instance, token string) int {
	t.Helper()
	resp, _ := in.Get("/api/v1/accounts/verify_credentials", "Authorization: Bearer "+token)
	return resp.StatusCode
}

// A person leaves: disabling them kills every token of theirs (brand
// tokens too) unless a brand would be left without an owner; the brand is
// handed over first with transfer; brand set changes its profile and
// approval.
func TestBrandOffboarding(t *testing.T) {
	c, in := runningCLI(t)
	for _, u := range []string{"jane", "olivia"} {
		c.mustRun("admin", "account", "create", "--username", u, "--email", u+"@example.com")
	}
	c.mustRun("admin", "brand", "create", "--username", "acme")
	c.mustRun("admin", "brand", "add-member", "--brand", "acme", "--username", "jane", "--role", "owner")
	c.mustRun("admin", "brand", "add-member", "--brand", "acme", "--username", "olivia", "--role", "editor")
	own := strings.TrimSpace(c.mustRun("admin", "token", "create", "--username", "jane", "--scopes", "read write"))
	asBrand := strings.TrimSpace(c.mustRun("admin", "token", "create", "--username", "jane", "--as", "acme", "--scopes", "read write"))
	for _, tok := range []string{own, asBrand} {
		if code := status(t, in, tok); code != 200 {
			t.Fatalf("token before: %d", code)
		}
	}

	// jane is acme's only owner: refused, nothing changes.
	code, out, errOut := c.run("", "admin", "account", "disable", "jane")
	if code != 1 || !strings.Contains(errOut, "only owner of @acme") || !strings.Contains(errOut, "kontor admin brand transfer --brand acme --to USERNAME") {
		t.Fatalf("disable the only owner: exit %d %q %q", code, out, errOut)
	}
	if code := status(t, in, asBrand); code != 200 {
		t.Errorf("a refused disable revoked the brand token: %d", code)
	}

	out = c.mustRun("admin", "brand", "transfer", "--brand", "acme", "--to", "olivia")
	if !strings.Contains(out, "@olivia is now the owner of @acme") {
		t.Errorf("transfer: %q", out)
	}
	list := c.mustRun("admin", "brand", "list")
	if !strings.Contains(list, "olivia (owner)") || !strings.Contains(list, "jane (editor)") {
		t.Errorf("after transfer:\n%s", list)
	}

	out = c.mustRun("admin", "account", "disable", "jane")
	if !strings.Contains(out, "disabled @jane") {
		t.Errorf("disable: %q", out)
	}
	for _, tok := range []string{own, asBrand} {
		if code := status(t, in, tok); code != http.StatusUnauthorized {
			t.Errorf("token of a disabled person: %d, want 401", code)
		}
	}
	resp, _ := in.Do("POST", "/oauth/token", []byte("grant_type=password&username=jane@example.com&password=x"), "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode == 200 {
		t.Error("a disabled person got a token")
	}
	c.mustRun("admin", "account", "enable", "jane")
	if u, _ := in.DB.UserByLogin(t.Context(), "jane"); u == nil || u.Disabled {
		t.Errorf("enable: %+v", u)
	}

	// brand set: the profile through the engine (audited), and approval.
	out = c.mustRun("admin", "brand", "set", "--brand", "acme", "--display-name", "Acme Inc.", "--require-approval", "true")
	if !strings.Contains(out, "updated the profile") || !strings.Contains(out, "approval for @acme is on") {
		t.Errorf("brand set: %q", out)
	}
	a, _ := in.DB.LocalAccount(t.Context(), "acme")
	b, _ := in.DB.BrandByAccountID(t.Context(), a.ID)
	if a.DisplayName != "Acme Inc." || !b.RequireApproval {
		t.Errorf("after set: %q approval %v", a.DisplayName, b.RequireApproval)
	}
	if code, _, errOut := c.run("", "admin", "brand", "set", "--brand", "acme", "--require-approval", "maybe"); code != 2 || !strings.Contains(errOut, "want true or false") {
		t.Errorf("bad --require-approval: exit %d %q", code, errOut)
	}
	c.mustRun("admin", "brand", "set", "--brand", "acme", "--require-approval", "false")
	if b, _ := in.DB.BrandByAccountID(t.Context(), a.ID); b.RequireApproval {
		t.Error("approval still on")
	}
}
