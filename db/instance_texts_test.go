package db_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kontor-social/kontor/db"
)

func ruleTexts(t *db.InstanceTexts) []string {
	var out []string
	for _, r := range t.Rules {
		out = append(out, r.Text)
	}
	return out
}

// The configuration seeds the texts at every start until an admin edits
// them; then the database wins. Rule ids stay with their rules.
func TestInstanceTextsSeedAndEdit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		seed := func(desc string, rules ...string) {
			t.Helper()
			var rs []db.SiteRule
			for _, r := range rules {
				rs = append(rs, db.SiteRule{Text: r})
			}
			if err := store.SeedInstanceTexts(ctx, db.SiteText{Description: desc, Registrations: "open"}, rs); err != nil {
				t.Fatal(err)
			}
		}
		read := func() *db.InstanceTexts {
			t.Helper()
			texts, err := store.InstanceTexts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return texts
		}
		if got := read(); got.Registrations != "closed" || len(got.Rules) != 0 {
			t.Fatalf("before seeding: %+v", got)
		}
		seed("First", "Be kind", "No spam")
		got := read()
		if got.Description != "First" || got.Registrations != "open" || !slices.Equal(ruleTexts(got), []string{"Be kind", "No spam"}) ||
			!slices.Equal(got.RuleIDs(), []int64{1, 2}) || got.EditedAt != nil {
			t.Fatalf("seeded: %+v", got)
		}
		seed("Second", "Be kind", "No spam", "No ads") // a changed configuration, not yet edited
		if got := read(); got.Description != "Second" || len(got.Rules) != 3 {
			t.Fatalf("re-seeded: %+v", got)
		}

		// An admin drops "Be kind", moves "No ads" first and adds a rule.
		edit := db.SiteText{Description: "Edited", ContactEmail: "a@b.example", Registrations: "approval"}
		audit := &db.AdminAction{Action: "update", TargetType: "InstanceSettings", TargetID: 1, Text: "tidy"}
		err := store.SaveInstanceTexts(ctx, edit, []db.SiteRule{{ID: 3, Text: "No ads"}, {ID: 2, Text: "No spam at all", Hint: "none"}, {Text: "Be patient"}}, audit)
		if err != nil {
			t.Fatal(err)
		}
		got = read()
		if got.Description != "Edited" || got.Registrations != "approval" || got.EditedAt == nil ||
			!slices.Equal(ruleTexts(got), []string{"No ads", "No spam at all", "Be patient"}) || !slices.Equal(got.RuleIDs(), []int64{3, 2, 4}) ||
			got.Rules[1].Hint != "none" {
			t.Fatalf("edited: %+v", got)
		}
		if log, err := store.AdminActions(ctx, db.AdminActionFilter{TargetType: "InstanceSettings"}, db.Page{Limit: 5}); err != nil ||
			len(log) != 1 || log[0].Text != "tidy" {
			t.Errorf("audit log: %v %v", log, err)
		}
		seed("Third", "Be kind") // the configuration no longer changes edited texts
		if got := read(); got.Description != "Edited" || len(got.Rules) != 3 {
			t.Fatalf("seeded after an edit: %+v", got)
		}
	})
}
