// Package scopes is the OAuth scope vocabulary of the Mastodon API: which
// scopes exist and which granted scope allows which request. The OAuth
// server, the client API, streaming and the admin CLI share it.
package scopes

import (
	"fmt"
	"slices"
	"strings"
)

// granular lists the scopes Mastodon defines below each top-level scope.
var granular = map[string][]string{
	"read": {"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
		"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses"},
	"write": {"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
		"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
		"write:reports", "write:statuses"},
	"admin:read":  {"admin:read:accounts", "admin:read:reports", "admin:read:domain_allows", "admin:read:domain_blocks", "admin:read:ip_blocks", "admin:read:email_domain_blocks", "admin:read:canonical_email_blocks"},
	"admin:write": {"admin:write:accounts", "admin:write:reports", "admin:write:domain_allows", "admin:write:domain_blocks", "admin:write:ip_blocks", "admin:write:email_domain_blocks", "admin:write:canonical_email_blocks"},
}

// followScopes is what the legacy "follow" scope stands for.
var followScopes = []string{"read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes"}

func knownScope(s string) bool {
	switch s {
	case "read", "write", "follow", "push", "profile", "admin:read", "admin:write":
		return true
	}
	for _, list := range granular {
		if slices.Contains(list, s) {
			return true
		}
	}
	return false
}

// Parse splits a scope string (space- or plus-separated, as clients
// send it), checks every scope and removes duplicates. Empty means "read".
func Parse(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' || r == ',' })
	if len(fields) == 0 {
		return []string{"read"}, nil
	}
	var out []string
	for _, f := range fields {
		if !knownScope(f) {
			return nil, fmt.Errorf("unknown scope %q", f)
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Allows reports whether granted scopes permit an endpoint that requires
// scope (e.g. "read:statuses"): by the scope itself, its parent ("read"), or
// "follow" for the follow-related granular scopes.
func Allows(granted []string, scope string) bool {
	for _, g := range granted {
		if g == scope {
			return true
		}
		if parent, _, ok := strings.Cut(scope, ":"); ok && g == parent && !strings.HasPrefix(scope, "admin:") {
			return true
		}
		if strings.HasPrefix(scope, "admin:") {
			if p := scope[:strings.LastIndex(scope, ":")]; g == p {
				return true
			}
		}
		if g == "follow" && slices.Contains(followScopes, scope) {
			return true
		}
	}
	return false
}

// Subset reports whether every scope in asked is allowed by granted (an app
// may only ask for scopes it registered).
func Subset(asked, granted []string) bool {
	for _, a := range asked {
		if !Allows(granted, a) {
			return false
		}
	}
	return true
}

// All lists every scope Kontor knows: the top-level ones, then the
// granular ones (for the authorization server metadata).
func All() []string {
	out := []string{"read", "write", "follow", "push", "profile", "admin:read", "admin:write"}
	for _, top := range []string{"read", "write", "admin:read", "admin:write"} {
		out = append(out, granular[top]...)
	}
	return out
}
