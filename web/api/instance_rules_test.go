package api_test

import (
	"slices"
	"testing"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A report names the instance's rules by their ids; an unknown id is 422.
func TestReportNamesRules(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.Rules = []string{"Be kind", "No spam"} }})
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	bobID := db.FormatID(bob.Account.ID)
	resp, data := stCall(t, in, "POST", "/api/v1/reports", alice.Token, map[string]any{"account_id": bobID, "category": "violation", "rule_ids": []string{"7"}})
	if resp.StatusCode != 422 {
		t.Errorf("an unknown rule: %d %s", resp.StatusCode, data)
	}
	resp, data = stCall(t, in, "POST", "/api/v1/reports", alice.Token, map[string]any{"account_id": bobID, "category": "violation", "rule_ids": []string{"2"}})
	var v struct {
		RuleIDs []string `json:"rule_ids"`
	}
	if stDecode(t, data, &v); resp.StatusCode != 200 || !slices.Equal(v.RuleIDs, []string{"2"}) {
		t.Errorf("a known rule: %d %s", resp.StatusCode, data)
	}
}
