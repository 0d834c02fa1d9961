package auth

import (
	"net/http/httptest"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// A token acting as a brand may do what both its scopes and the member's
// role allow: viewers read, editors post, owners do the rest.
func TestAllow(t *testing.T) {
	for _, tc := range []struct {
		scopes []string
		role   string
		scope  string
		want   error
	}{
		{[]string{"read"}, "", "read:statuses", nil},
		{[]string{"read"}, "", "write:statuses", errOutOfScope},
		{[]string{"write"}, "", "write:follows", nil},
		{[]string{"read", "write"}, db.BrandViewer, "read:notifications", nil},
		{[]string{"read", "write"}, db.BrandViewer, "write:statuses", errBrandRole},
		{[]string{"read", "write"}, db.BrandEditor, "write:statuses", nil},
		{[]string{"read", "write"}, db.BrandEditor, "write:media", nil},
		{[]string{"read", "write"}, db.BrandEditor, "write:follows", errBrandRole},
		{[]string{"read", "write"}, db.BrandOwner, "write:follows", nil},
		{[]string{"read"}, db.BrandOwner, "write:follows", errOutOfScope},
		{[]string{"profile"}, db.BrandViewer, "profile", nil},
	} {
		c := &Caller{Scopes: tc.scopes, BrandRole: tc.role}
		if got := c.Allow(tc.scope); got != tc.want {
			t.Errorf("scopes %v, role %q, %s: %v, want %v", tc.scopes, tc.role, tc.scope, got, tc.want)
		}
	}
}

func TestBearerToken(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/v1/streaming?access_token=q", nil)
	if got := BearerToken(r); got != "q" {
		t.Fatalf("query token: %q", got)
	}
	if got := HeaderToken(r); got != "" {
		t.Fatalf("header token without a header: %q", got)
	}
	r.Header.Set("Authorization", "bearer  h ")
	if got := BearerToken(r); got != "h" {
		t.Fatalf("header token first: %q", got)
	}
	var anonymous *Caller
	if anonymous.AccountID() != 0 {
		t.Fatal("anonymous caller has an account")
	}
}
