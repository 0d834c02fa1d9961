package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// AdminReportFilter selects reports for admins: open ones unless Resolved;
// zero ids do not filter.
type AdminReportFilter struct {
	Resolved        bool
	AccountID       int64 // the reporter
	TargetAccountID int64
}

// AdminReports lists reports, newest first, paged by id.
func (d *DB) AdminReports(ctx context.Context, f AdminReportFilter, p Page) ([]*Report, error) {
	var list []*Report
	q := d.r.NewSelect().Model(&list)
	if f.Resolved {
		q = q.Where("rp.action_taken_at IS NOT NULL")
	} else {
		q = q.Where("rp.action_taken_at IS NULL")
	}
	if f.AccountID != 0 {
		q = q.Where("rp.account_id = ?", f.AccountID)
	}
	if f.TargetAccountID != 0 {
		q = q.Where("rp.target_account_id = ?", f.TargetAccountID)
	}
	if err := p.apply(q, "rp.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: admin reports: %w", err)
	}
	return newestFirst(p, list), nil
}

// AdminAccountsByIDs loads accounts with their logins, by id.
func (d *DB) AdminAccountsByIDs(ctx context.Context, ids []int64) (map[int64]AdminAccount, error) {
	accounts, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	users, err := d.usersOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]AdminAccount, len(accounts))
	for id, a := range accounts {
		out[id] = AdminAccount{Account: a, User: users[id]}
	}
	return out, nil
}

// UpdateReportCategory changes what a report is about (its category and the
// rules broken).
func (d *DB) UpdateReportCategory(ctx context.Context, id int64, category string, ruleIDs []int64) error {
	r := &Report{ID: id, Category: category, RuleIDs: ruleIDs, UpdatedAt: now()}
	cols := []string{"category", "updated_at"}
	if ruleIDs != nil {
		cols = append(cols, "rule_ids")
	}
	res, err := d.w.NewUpdate().Model(r).Column(cols...).WherePK().Exec(ctx)
	return exactlyOne(res, err, "update report")
}

// AssignReport assigns a report to an admin or moderator, or nobody (nil).
func (d *DB) AssignReport(ctx context.Context, id int64, to *int64) error {
	res, err := d.w.NewUpdate().Model((*Report)(nil)).Set("assigned_account_id = ?", to).Set("updated_at = ?", now()).
		Where("id = ?", id).Exec(ctx)
	return exactlyOne(res, err, "assign report")
}

// ReopenReport marks a resolved report as open again.
func (d *DB) ReopenReport(ctx context.Context, id int64) error {
	res, err := d.w.NewUpdate().Model((*Report)(nil)).Set("action_taken_at = NULL").Set("action_taken_by_account_id = NULL").
		Set("updated_at = ?", now()).Where("id = ?", id).Exec(ctx)
	return exactlyOne(res, err, "reopen report")
}

// StatusesByIDsAny loads statuses by id whoever may see them (for the
// admins reading a report), in the order of ids; missing ones are left out.
func (d *DB) StatusesByIDsAny(ctx context.Context, ids []int64) ([]*Status, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var list []*Status
	if err := d.r.NewSelect().Model(&list).Where("s.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: statuses by ids: %w", err)
	}
	byID := make(map[int64]*Status, len(list))
	for _, s := range list {
		byID[s.ID] = s
	}
	out := make([]*Status, 0, len(list))
	for _, id := range ids {
		if s, ok := byID[id]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}
