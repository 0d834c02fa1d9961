package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// The instance's texts (description, contact, rules, policies) and its
// sign-up mode live in site_texts (one row) and site_rules. The
// configuration gives the first values (SeedInstanceTexts, at every start,
// until an admin edits them: then the database wins). Every reader goes
// through InstanceTexts, which is cached like the other rows every request
// reads (readcache.go), so /api/v1/instance costs no query for them.

// SiteText is the one row of site_texts.
type SiteText struct {
	bun.BaseModel `bun:"table:site_texts"`

	ID              int64  `bun:"id,pk"`
	Description     string `bun:"description"`
	ContactUsername string `bun:"contact_username"` // a local account; "" is the first admin
	ContactEmail    string `bun:"contact_email"`
	// Policies as written (Markdown) and as rendered when saved.
	PrivacyPolicy      string     `bun:"privacy_policy"`
	PrivacyPolicyHTML  string     `bun:"privacy_policy_html"`
	TermsOfService     string     `bun:"terms_of_service"`
	TermsOfServiceHTML string     `bun:"terms_of_service_html"`
	Registrations      string     `bun:"registrations"` // open, approval, invite or closed
	UpdatedAt          time.Time  `bun:"updated_at"`
	EditedAt           *time.Time `bun:"edited_at"` // nil while the values are the configuration's
}

// SiteRule is a rule of the instance. IDs stay with their rule across
// edits (reports name rules by id).
type SiteRule struct {
	bun.BaseModel `bun:"table:site_rules"`

	ID       int64  `bun:"id,pk"`
	Position int    `bun:"position"`
	Text     string `bun:"text"`
	Hint     string `bun:"hint"`
}

// InstanceTexts are the instance's texts and sign-up mode, with its rules
// in order. Callers must not change what they get (it is shared).
type InstanceTexts struct {
	SiteText
	Rules []SiteRule
}

// RuleIDs are the ids of the current rules.
func (t *InstanceTexts) RuleIDs() []int64 {
	ids := make([]int64, len(t.Rules))
	for i, r := range t.Rules {
		ids[i] = r.ID
	}
	return ids
}

// siteTextID is the key of site_texts' one row.
const siteTextID = 1

// InstanceTexts returns the instance's texts, from memory while no process
// has written them. Before the first seeding it returns an empty row with
// registrations closed.
func (d *DB) InstanceTexts(ctx context.Context) (*InstanceTexts, error) {
	d.freshen(ctx)
	t, _, err := d.instanceTexts(ctx)
	return t, err
}

func (d *DB) instanceTexts(ctx context.Context) (*InstanceTexts, uint64, error) {
	if t, seq, ok := d.reads.site.version(struct{}{}); ok {
		return t, seq, nil
	}
	gen := d.reads.site.generation()
	t := &InstanceTexts{SiteText: SiteText{ID: siteTextID, Registrations: "closed"}}
	err := d.r.NewSelect().Model(&t.SiteText).Where("id = ?", siteTextID).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("db: instance texts: %w", err)
	}
	if err := d.r.NewSelect().Model(&t.Rules).OrderExpr("position, id").Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("db: instance rules: %w", err)
	}
	return t, d.reads.site.put(struct{}{}, t, gen), nil
}

// SeedInstanceTexts writes the configuration's values, unless an admin has
// edited the texts: then it leaves them. Seeded rules get the ids 1..n, so
// the same configuration gives the same ids at every start. It writes
// nothing when the stored values are already these.
func (d *DB) SeedInstanceTexts(ctx context.Context, t SiteText, rules []SiteRule) error {
	return d.InTx(ctx, func(tx *Tx) error {
		// The row exists first, so processes starting together seed one
		// after the other (locked on PostgreSQL; SQLite writes one at a time).
		if _, err := tx.tx.NewInsert().Model(&SiteText{ID: siteTextID, Registrations: "closed", UpdatedAt: now()}).
			On("CONFLICT (id) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("db: instance texts: %w", err)
		}
		cur := new(SiteText)
		q := tx.tx.NewSelect().Model(cur).Where("id = ?", siteTextID)
		if tx.d.dialect == Postgres {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("db: instance texts: %w", err)
		}
		if cur.EditedAt != nil {
			return nil
		}
		var stored []SiteRule
		if err := tx.tx.NewSelect().Model(&stored).OrderExpr("position, id").Scan(ctx); err != nil {
			return fmt.Errorf("db: instance rules: %w", err)
		}
		rules = slices.Clone(rules)
		for i := range rules {
			rules[i].ID, rules[i].Position = int64(i+1), i+1
		}
		t.ID, t.EditedAt = siteTextID, nil
		if sameText(*cur, t) && slices.Equal(stored, rules) {
			return nil
		}
		t.UpdatedAt = now()
		return tx.writeInstanceTexts(ctx, &t, rules, true)
	})
}

// sameText compares the values of two rows, not their dates.
func sameText(a, b SiteText) bool {
	a.UpdatedAt, b.UpdatedAt, a.EditedAt, b.EditedAt = time.Time{}, time.Time{}, nil, nil
	return a == b
}

// SaveInstanceTexts stores an admin's edit and its entry of the audit log
// in one transaction: the texts, and the rules as listed (in their order).
// A rule with ID 0 (or an id no longer stored) is new and gets the next
// id; a stored rule missing from the list is removed. From now on the
// configuration no longer changes the texts.
func (d *DB) SaveInstanceTexts(ctx context.Context, t SiteText, rules []SiteRule, audit *AdminAction) error {
	return d.InTx(ctx, func(tx *Tx) error {
		var stored []SiteRule
		if err := tx.tx.NewSelect().Model(&stored).Scan(ctx); err != nil {
			return fmt.Errorf("db: instance rules: %w", err)
		}
		var next int64
		known := map[int64]bool{}
		for _, r := range stored {
			next = max(next, r.ID)
			known[r.ID] = true
		}
		rules := slices.Clone(rules)
		for i := range rules {
			if rules[i].ID == 0 || !known[rules[i].ID] {
				next++
				rules[i].ID = next
			}
			known[rules[i].ID] = false // listed twice: the second is new
			rules[i].Position = i + 1
		}
		exists, err := tx.tx.NewSelect().Model((*SiteText)(nil)).Where("id = ?", siteTextID).Exists(ctx)
		if err != nil {
			return fmt.Errorf("db: instance texts: %w", err)
		}
		at := now()
		t.ID, t.UpdatedAt, t.EditedAt = siteTextID, at, &at
		if err := tx.writeInstanceTexts(ctx, &t, rules, exists); err != nil {
			return err
		}
		audit.ID, audit.CreatedAt = d.NewID(), at
		if _, err := tx.tx.NewInsert().Model(audit).Exec(ctx); err != nil {
			return fmt.Errorf("db: record admin action: %w", err)
		}
		return nil
	})
}

// writeInstanceTexts replaces the row and the rules.
func (tx *Tx) writeInstanceTexts(ctx context.Context, t *SiteText, rules []SiteRule, exists bool) error {
	var err error
	if exists {
		_, err = tx.tx.NewUpdate().Model(t).WherePK().Exec(ctx)
	} else {
		_, err = tx.tx.NewInsert().Model(t).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("db: write instance texts: %w", err)
	}
	if _, err := tx.tx.NewDelete().Model((*SiteRule)(nil)).Where("TRUE").Exec(ctx); err != nil {
		return fmt.Errorf("db: clear instance rules: %w", err)
	}
	if len(rules) > 0 {
		if _, err := tx.tx.NewInsert().Model(&rules).Exec(ctx); err != nil {
			return fmt.Errorf("db: write instance rules: %w", err)
		}
	}
	return nil
}
