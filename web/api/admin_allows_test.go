package api_test

import (
	"testing"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/kontortest"
)

// In allowlist mode only the domains admins allow federate.
func TestAdminDomainAllows(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.APIRateLimit, c.APIRateLimitIP = 0, 0
		c.FederationMode = "allowlist"
	}})
	admin := adStaff(t, in, "boss", "admin")
	mod := adStaff(t, in, "mod", "moderator")
	adStatus(t, in, 403, "POST", "/api/v1/admin/domain_allows", mod.Token, map[string]any{"domain": "friend.example"})
	if !in.Engine().DomainBlocked(stCtx, "friend.example") {
		t.Fatal("allowlist mode federates with a domain nobody allowed")
	}
	var a map[string]any
	stDecode(t, adStatus(t, in, 200, "POST", "/api/v1/admin/domain_allows", admin.Token, map[string]any{"domain": "Friend.Example"}), &a)
	if a["domain"] != "friend.example" || a["created_at"] == nil {
		t.Errorf("allow %v", a)
	}
	adStatus(t, in, 422, "POST", "/api/v1/admin/domain_allows", admin.Token, map[string]any{"domain": "friend.example"})
	adStatus(t, in, 422, "POST", "/api/v1/admin/domain_allows", admin.Token, map[string]any{"domain": "friend"})
	for host, blocked := range map[string]bool{"friend.example": false, "social.friend.example:443": false, "stranger.example": true} {
		if got := in.Engine().DomainBlocked(stCtx, host); got != blocked {
			t.Errorf("DomainBlocked(%s) = %v, want %v", host, got, blocked)
		}
	}
	var list []map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/domain_allows", admin.Token, nil), &list)
	if len(list) != 1 {
		t.Errorf("allows %v", list)
	}
	adStatus(t, in, 200, "DELETE", "/api/v1/admin/domain_allows/"+a["id"].(string), admin.Token, nil)
	if !in.Engine().DomainBlocked(stCtx, "friend.example") {
		t.Error("a domain no longer allowed still federates")
	}
}

// Without allowlist mode, allows change nothing and every unblocked domain federates.
func TestBlocklistModeIgnoresAllows(t *testing.T) {
	in := stStart(t)
	if in.Engine().DomainBlocked(stCtx, "stranger.example") {
		t.Error("blocklist mode refuses an unblocked domain")
	}
}
