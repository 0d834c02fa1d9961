package scopes

import "testing"

func TestRoleAllows(t *testing.T) {
	cases := []struct {
		role, scope string
		want        bool
	}{
		{"user", "read:statuses", true},
		{"user", "admin:read", false},
		{"user", "admin:read:accounts", false},
		{"moderator", "admin:read:accounts", true},
		{"moderator", "admin:write:reports", true},
		{"moderator", "admin:read", true},
		{"moderator", "admin:write:domain_blocks", false},
		{"moderator", "admin:read:ip_blocks", false},
		{"moderator", "admin:write:email_domain_blocks", false},
		{"admin", "admin:write:domain_allows", true},
		{"admin", "admin:write:canonical_email_blocks", true},
		{"admin", "write:statuses", true},
	}
	for _, c := range cases {
		if got := RoleAllows(c.role, c.scope); got != c.want {
			t.Errorf("RoleAllows(%q, %q) = %v, want %v", c.role, c.scope, got, c.want)
		}
	}
}

func TestRoleMayHold(t *testing.T) {
	all := []string{"read", "write", "admin:read", "admin:write"}
	if RoleMayHold("user", all) || !RoleMayHold("user", []string{"read", "write"}) {
		t.Error("a plain user may hold only non-admin scopes")
	}
	if !RoleMayHold("moderator", all) || !RoleMayHold("admin", all) {
		t.Error("staff may hold admin scopes")
	}
}

func TestRolePermissions(t *testing.T) {
	if got := RolePermissions("user"); got != 0 {
		t.Errorf("user permissions %d, want 0", got)
	}
	mod, admin := RolePermissions("moderator"), RolePermissions("admin")
	if mod&PermManageFederation != 0 || mod&PermDeleteUserData != 0 {
		t.Errorf("moderator permissions %d include admin-only bits", mod)
	}
	if admin&mod != mod || admin == mod {
		t.Errorf("admin %d must include moderator %d and more", admin, mod)
	}
	if admin&1 != 0 {
		t.Error("the administrator bit means everything Mastodon has; Kontor does not implement it all")
	}
}
