package entity

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// AdminReport is Mastodon's Admin::Report: a report with everyone involved
// as Admin::Accounts and the reported statuses.
type AdminReport struct {
	ID                   string        `json:"id"`
	ActionTaken          bool          `json:"action_taken"`
	ActionTakenAt        *string       `json:"action_taken_at"`
	Category             string        `json:"category"`
	Comment              string        `json:"comment"`
	Forwarded            bool          `json:"forwarded"`
	CreatedAt            string        `json:"created_at"`
	UpdatedAt            string        `json:"updated_at"`
	Account              *AdminAccount `json:"account"`
	TargetAccount        *AdminAccount `json:"target_account"`
	AssignedAccount      *AdminAccount `json:"assigned_account"`
	ActionTakenByAccount *AdminAccount `json:"action_taken_by_account"`
	Statuses             []Status      `json:"statuses"`
	Rules                []ReportRule  `json:"rules"`
}

// ReportRule names an instance rule a report says was broken.
type ReportRule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// AdminReports renders reports for an admin or moderator (viewer): the
// accounts involved in one query, the reported statuses whoever may see them.
func (p *Presenter) AdminReports(ctx context.Context, viewer int64, list []*db.Report) ([]AdminReport, error) {
	var ids []int64
	for _, r := range list {
		ids = append(ids, r.AccountID, r.TargetAccountID)
		for _, id := range []*int64{r.AssignedAccountID, r.ActionTakenByAccountID} {
			if id != nil {
				ids = append(ids, *id)
			}
		}
	}
	loaded, err := p.db.AdminAccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	rendered := map[int64]*AdminAccount{}
	for id, aa := range loaded {
		v := p.AdminAccounts(ctx, []db.AdminAccount{aa})[0]
		rendered[id] = &v
	}
	byID := func(id *int64) *AdminAccount {
		if id == nil {
			return nil
		}
		return rendered[*id]
	}
	out := make([]AdminReport, 0, len(list))
	for _, r := range list {
		statuses, err := p.db.StatusesByIDsAny(ctx, r.StatusIDs)
		if err != nil {
			return nil, err
		}
		shown, err := p.Statuses(ctx, viewer, statuses)
		if err != nil {
			return nil, err
		}
		rep := AdminReport{ID: db.FormatID(r.ID), ActionTaken: r.ActionTakenAt != nil, ActionTakenAt: TimePtr(r.ActionTakenAt),
			Category: r.Category, Comment: r.Comment, Forwarded: r.Forwarded, CreatedAt: Time(r.CreatedAt), UpdatedAt: Time(r.UpdatedAt),
			Account: byID(&r.AccountID), TargetAccount: byID(&r.TargetAccountID), AssignedAccount: byID(r.AssignedAccountID),
			ActionTakenByAccount: byID(r.ActionTakenByAccountID), Statuses: shown, Rules: []ReportRule{}}
		if rep.Statuses == nil {
			rep.Statuses = []Status{}
		}
		for _, id := range r.RuleIDs {
			rep.Rules = append(rep.Rules, ReportRule{ID: db.FormatID(id)})
		}
		out = append(out, rep)
	}
	return out, nil
}

// notificationReport renders the report of an admin.report notification
// (nil when it is gone).
func (p *Presenter) notificationReport(ctx context.Context, viewer, id int64) *AdminReport {
	r, err := p.db.ReportByID(ctx, id)
	if err != nil {
		return nil
	}
	out, err := p.AdminReports(ctx, viewer, []*db.Report{r})
	if err != nil || len(out) == 0 {
		return nil
	}
	return &out[0]
}
