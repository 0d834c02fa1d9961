package scopes

import "strings"

// Mastodon's role permission bits (UserRole flags), only those Kontor
// implements: a client reading role.permissions must find every screen it
// offers working.
const (
	PermViewAuditLog     int64 = 1 << 2
	PermViewDashboard    int64 = 1 << 3
	PermManageReports    int64 = 1 << 4
	PermManageFederation int64 = 1 << 5
	PermManageBlocks     int64 = 1 << 7
	PermManageUsers      int64 = 1 << 10
	PermDeleteUserData   int64 = 1 << 19
)

// Role names of local users (the values db stores).
const (
	RoleAdmin     = "admin"
	RoleModerator = "moderator"
)

// RolePermissions is what a user role may do: moderators handle accounts
// and reports (and see the dashboard and the audit log); admins also
// federation, blocks and the removal of account data. Everyone else: nothing.
func RolePermissions(role string) int64 {
	moderator := PermViewAuditLog | PermViewDashboard | PermManageReports | PermManageUsers
	switch role {
	case RoleAdmin:
		return moderator | PermManageFederation | PermManageBlocks | PermDeleteUserData
	case RoleModerator:
		return moderator
	}
	return 0
}

// PermissionFor is the permission an admin scope needs (0 for scopes that
// are not admin scopes). The top-level admin:read and admin:write guard
// the dashboard's figures.
func PermissionFor(scope string) int64 {
	if !strings.HasPrefix(scope, "admin:") {
		return 0
	}
	switch {
	case strings.HasSuffix(scope, ":accounts"):
		return PermManageUsers
	case strings.HasSuffix(scope, ":reports"):
		return PermManageReports
	case strings.HasSuffix(scope, ":domain_blocks"), strings.HasSuffix(scope, ":domain_allows"):
		return PermManageFederation
	case strings.HasSuffix(scope, ":ip_blocks"), strings.HasSuffix(scope, ":email_domain_blocks"),
		strings.HasSuffix(scope, ":canonical_email_blocks"):
		return PermManageBlocks
	}
	return PermViewDashboard
}

// RoleAllows reports whether a user of role may use scope at all: admin
// scopes only by the permission they need, every other scope always.
func RoleAllows(role, scope string) bool {
	need := PermissionFor(scope)
	return need == 0 || RolePermissions(role)&need == need
}

// RoleMayHold reports whether a user of role may be issued a token with
// these scopes: any admin scope needs a role with admin permissions (a
// moderator's admin:write reaches only what the moderator may do).
func RoleMayHold(role string, granted []string) bool {
	for _, s := range granted {
		if strings.HasPrefix(s, "admin:") && RolePermissions(role) == 0 {
			return false
		}
	}
	return true
}
