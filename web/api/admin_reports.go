package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// The admin API of reports (Mastodon's /api/v1/admin/reports): every change
// goes through Engine.ChangeReport, as `kontor admin report resolve` does.

func (h *Handlers) adminReportRoutes(r chi.Router) {
	r.Get("/admin/reports", h.handler(h.adminReports))
	r.Get("/admin/reports/{id}", h.handler(h.adminReport))
	r.Put("/admin/reports/{id}", h.handler(h.adminUpdateReport))
	for _, kind := range []string{activitypub.ReportAssignToSelf, activitypub.ReportUnassign, activitypub.ReportResolve, activitypub.ReportReopen} {
		r.Post("/admin/reports/{id}/"+kind, h.handler(h.adminChangeReport(kind)))
	}
}

// adminReports lists open reports, or resolved ones (resolved=true), by
// reporter (account_id) and reported account (target_account_id).
func (h *Handlers) adminReports(w http.ResponseWriter, r *http.Request) error {
	a, page, ok, err := h.requirePage(w, r, "admin:read:reports", 100, 200)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	var f db.AdminReportFilter
	if f.Resolved, err = p.BoolDefault("resolved", false); err != nil {
		return err
	}
	if f.AccountID, _, err = p.ID("account_id"); err != nil {
		return err
	}
	if f.TargetAccountID, _, err = p.ID("target_account_id"); err != nil {
		return err
	}
	list, err := h.DB.AdminReports(r.Context(), f, page)
	if err != nil {
		return err
	}
	out, err := h.present.AdminReports(r.Context(), a.Account.ID, list)
	if err != nil {
		return err
	}
	setPageLink(h, w, r, list, func(rp *db.Report) int64 { return rp.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) adminReport(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "admin:read:reports")
	if !ok {
		return err
	}
	return h.renderAdminReport(w, r, a.Account.ID, id)
}

func (h *Handlers) renderAdminReport(w http.ResponseWriter, r *http.Request, viewer, id int64) error {
	rp, err := h.DB.ReportByID(r.Context(), id)
	if err != nil {
		return err
	}
	out, err := h.present.AdminReports(r.Context(), viewer, []*db.Report{rp})
	return renderFirst(w, out, err)
}

// adminUpdateReport is PUT: category and rule_ids.
func (h *Handlers) adminUpdateReport(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "admin:write:reports")
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	change := activitypub.ReportChange{Kind: activitypub.ReportUpdate, Category: strings.TrimSpace(p.String("category"))}
	if p.Has("rule_ids") {
		if change.RuleIDs, err = p.IDs("rule_ids"); err != nil {
			return err
		}
		if change.RuleIDs == nil {
			change.RuleIDs = []int64{}
		}
	}
	if err := h.Engine.ChangeReport(r.Context(), moderator(a), id, change); err != nil {
		return err
	}
	return h.renderAdminReport(w, r, a.Account.ID, id)
}

// adminChangeReport is assign_to_self, unassign, resolve and reopen: each
// answers the report afterwards.
func (h *Handlers) adminChangeReport(kind string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, id, ok, err := h.requireID(w, r, "admin:write:reports")
		if !ok {
			return err
		}
		if err := h.Engine.ChangeReport(r.Context(), moderator(a), id, activitypub.ReportChange{Kind: kind}); err != nil {
			return err
		}
		return h.renderAdminReport(w, r, a.Account.ID, id)
	}
}
