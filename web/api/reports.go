package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Report is Mastodon's Report entity, as its author sees it.
type Report struct {
	ID            string         `json:"id"`
	ActionTaken   bool           `json:"action_taken"`
	ActionTakenAt *string        `json:"action_taken_at"`
	Category      string         `json:"category"`
	Comment       string         `json:"comment"`
	Forwarded     bool           `json:"forwarded"`
	CreatedAt     string         `json:"created_at"`
	StatusIDs     []string       `json:"status_ids"`
	RuleIDs       []string       `json:"rule_ids"` // null when no rule is named
	TargetAccount entity.Account `json:"target_account"`
}

func (h *Handlers) reportEntity(ctx context.Context, r *db.Report) Report {
	out := Report{
		ID: db.FormatID(r.ID), ActionTaken: r.ActionTakenAt != nil, ActionTakenAt: entity.TimePtr(r.ActionTakenAt),
		Category: r.Category, Comment: r.Comment, Forwarded: r.Forwarded, CreatedAt: entity.Time(r.CreatedAt),
		StatusIDs: make([]string, 0, len(r.StatusIDs)), TargetAccount: h.present.Account(ctx, r.TargetAccount),
	}
	for _, id := range r.StatusIDs {
		out.StatusIDs = append(out.StatusIDs, db.FormatID(id))
	}
	for _, id := range r.RuleIDs {
		out.RuleIDs = append(out.RuleIDs, db.FormatID(id))
	}
	return out
}

// reportRoutes registers POST /api/v1/reports.
func (h *Handlers) reportRoutes(r chi.Router) {
	r.Post("/reports", h.handler(h.createReport))
}

// createReport reports an account (and some of its statuses) to the
// instance's moderators; with forward, a remote account's server is told
// too, without naming the reporter.
func (h *Handlers) createReport(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:reports")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	raw := strings.TrimSpace(p.String("account_id"))
	if raw == "" {
		return fieldErr("account_id", "can't be blank")
	}
	id, ok := db.ParseID(raw)
	if !ok {
		return errNotFound
	}
	statusIDs, err := p.IDs("status_ids")
	if err != nil {
		return err
	}
	var ruleIDs []int64
	for _, s := range p.Strings("rule_ids") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		rid, ok := db.ParseID(s)
		if !ok {
			return fieldErr("rule_ids", "contains an unknown rule")
		}
		ruleIDs = append(ruleIDs, rid)
	}
	forward, err := p.BoolDefault("forward", false)
	if err != nil {
		return err
	}
	target, err := h.DB.ListedAccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	rep, err := h.Engine.Report(r.Context(), a.Account, target, activitypub.ReportParams{
		StatusIDs: statusIDs, Comment: p.String("comment"), Category: strings.TrimSpace(p.String("category")),
		RuleIDs: ruleIDs, Forward: forward,
	})
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.reportEntity(r.Context(), rep))
	return nil
}
