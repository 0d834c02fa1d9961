package api_test

import (
	"testing"
)

// The credential account's role states what the account may do: the
// permission bits of what Kontor implements, nothing for plain users.
func TestCredentialRolePermissions(t *testing.T) {
	in := stStart(t)
	cases := []struct {
		role, want string
	}{
		{"admin", "525500"}, // audit log, dashboard, reports, federation, blocks, users, delete user data
		{"moderator", "1052"},
		{"user", "0"},
	}
	for _, c := range cases {
		u := adStaff(t, in, "r"+c.role, c.role, "read")
		v := stOK[map[string]any](t, in, "GET", "/api/v1/accounts/verify_credentials", u.Token, nil)
		role, _ := v["role"].(map[string]any)
		if role["permissions"] != c.want {
			t.Errorf("%s: permissions %v, want %s", c.role, role["permissions"], c.want)
		}
	}
}
