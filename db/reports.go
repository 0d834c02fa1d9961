package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Report is a moderation report: an account (a local user, or the remote
// actor of an incoming Flag) reports another account and some of its
// statuses to this instance's admins and moderators.
type Report struct {
	bun.BaseModel `bun:"table:reports,alias:rp"`

	ID              int64   `bun:"id,pk"`
	AccountID       int64   `bun:"account_id"`        // the reporter
	TargetAccountID int64   `bun:"target_account_id"` // the reported account
	StatusIDs       []int64 `bun:"status_ids,type:text"`
	// RuleIDs are the instance rules broken (nil: none named).
	RuleIDs  []int64 `bun:"rule_ids,type:text"`
	Comment  string  `bun:"comment"`
	Category string  `bun:"category"`
	// Forwarded: a Flag went to the target's server, or (incoming) the
	// report came from another server.
	Forwarded              bool       `bun:"forwarded"`
	URI                    string     `bun:"uri"` // the Flag's id, sent or received
	ActionTakenAt          *time.Time `bun:"action_taken_at"`
	ActionTakenByAccountID *int64     `bun:"action_taken_by_account_id"`
	AssignedAccountID      *int64     `bun:"assigned_account_id"`
	CreatedAt              time.Time  `bun:"created_at"`
	UpdatedAt              time.Time  `bun:"updated_at"`

	Account       *Account `bun:"rel:belongs-to,join:account_id=id"`
	TargetAccount *Account `bun:"rel:belongs-to,join:target_account_id=id"`
}

// Report categories (Mastodon's).
const (
	ReportOther     = "other"
	ReportSpam      = "spam"
	ReportLegal     = "legal"
	ReportViolation = "violation"
)

// ValidReportCategory reports whether c is a report category.
func ValidReportCategory(c string) bool {
	return c == ReportOther || c == ReportSpam || c == ReportLegal || c == ReportViolation
}

// InsertReport stores a new report in the caller's transaction; ID and the
// times are assigned here unless set.
func (t *Tx) InsertReport(ctx context.Context, r *Report) error {
	if r.ID == 0 {
		r.ID = t.d.NewID()
	}
	r.CreatedAt = now()
	r.UpdatedAt = r.CreatedAt
	if r.StatusIDs == nil {
		r.StatusIDs = []int64{}
	}
	if r.Category == "" {
		r.Category = ReportOther
	}
	if _, err := t.tx.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert report: %w", err)
	}
	return nil
}

// ReportByID returns a report with its reporter and target.
func (d *DB) ReportByID(ctx context.Context, id int64) (*Report, error) {
	r := new(Report)
	err := d.r.NewSelect().Model(r).Relation("Account").Relation("TargetAccount").Where("rp.id = ?", id).Scan(ctx)
	return r, notFound(err)
}

// Reports returns reports with their reporters and targets, newest first:
// the open ones, or all of them.
func (d *DB) Reports(ctx context.Context, all bool) ([]*Report, error) {
	var list []*Report
	q := d.r.NewSelect().Model(&list).Relation("Account").Relation("TargetAccount").Order("rp.id DESC")
	if !all {
		q = q.Where("rp.action_taken_at IS NULL")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: reports: %w", err)
	}
	return list, nil
}

// ResolveReport marks a report as acted on (by an admin or moderator
// account, or nil from the command line). It returns the report as it is
// afterwards; resolving a resolved report changes nothing.
func (d *DB) ResolveReport(ctx context.Context, id int64, by *int64) (*Report, error) {
	t := now()
	_, err := d.w.NewUpdate().Model((*Report)(nil)).
		Set("action_taken_at = ?", t).Set("action_taken_by_account_id = ?", by).Set("updated_at = ?", t).
		Where("id = ? AND action_taken_at IS NULL", id).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: resolve report: %w", err)
	}
	return d.ReportByID(ctx, id)
}
