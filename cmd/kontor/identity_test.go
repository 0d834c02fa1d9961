package main

import (
	"strings"
	"testing"
)

// An admin command run without the server's KONTOR_HOST (or with another
// account_domain) is refused with one line naming both values, exit 2,
// and creates nothing; so is serve.
func TestOtherHostRefused(t *testing.T) {
	c := newCLI(t) // KONTOR_HOST=social.example
	c.mustRun("admin", "account", "create", "--username", "jane", "--email", "jane@example.com")

	wrongHost := &cli{t: t, env: append(append([]string(nil), c.env...), "KONTOR_HOST=localhost:8080")}
	wrongDomain := &cli{t: t, env: append(append([]string(nil), c.env...), "KONTOR_ACCOUNT_DOMAIN=acme.example")}
	cases := []struct {
		name string
		c    *cli
		args []string
		want []string
	}{
		{"account create, other host", wrongHost, []string{"admin", "account", "create", "--username", "john", "--email", "john@example.com"},
			[]string{"host", `"localhost:8080"`, `"social.example"`}},
		{"brand create, other account domain", wrongDomain, []string{"admin", "brand", "create", "--username", "acme"},
			[]string{"account_domain", `"acme.example"`, `"social.example"`}},
		{"serve, other host", &cli{t: t, env: append(wrongHost.env, "KONTOR_LISTEN=127.0.0.1:0")}, []string{"serve"},
			[]string{"host", `"localhost:8080"`, `"social.example"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := tc.c.run("", tc.args...)
			line := strings.TrimSpace(errOut)
			if code != exitUsage || strings.Contains(line, "\n") {
				t.Fatalf("exit %d, want 2 and one line: %q", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("%q does not name %s", line, w)
				}
			}
		})
	}
	list := c.mustRun("admin", "account", "list")
	if strings.Contains(list, "john") || strings.Contains(list, "acme") {
		t.Errorf("a refused command created an account:\n%s", list)
	}
}
