package main

import (
	"strings"
	"testing"
)

// Admin scopes are issued to admins and moderators only.
func TestAdminTokenScopesForStaffOnly(t *testing.T) {
	c := newCLI(t)
	for _, role := range []string{"admin", "moderator", "user"} {
		c.mustRun("admin", "account", "create", "--username", role+"1", "--email", role+"@example.com", "--role", role)
	}
	for _, name := range []string{"admin1", "moderator1"} {
		tok := strings.TrimSpace(c.mustRun("admin", "token", "create", "--username", name, "--scopes", "read write admin:read admin:write"))
		if len(tok) < 40 {
			t.Errorf("%s: token %q", name, tok)
		}
	}
	code, out, errOut := c.run("", "admin", "token", "create", "--username", "user1", "--scopes", "read write admin:read admin:write")
	if code != 1 || out != "" || !strings.Contains(errOut, "admin scopes are for staff only") {
		t.Errorf("admin scopes for a plain user: exit %d %q %q", code, out, errOut)
	}
	code, _, errOut = c.run("", "admin", "token", "create", "--username", "user1", "--scopes", "admin:read:accounts")
	if code != 1 {
		t.Errorf("admin sub-scope for a plain user: exit %d %q", code, errOut)
	}
	c.mustRun("admin", "token", "create", "--username", "user1", "--scopes", "read write")
}
