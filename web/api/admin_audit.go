package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// AdminAuditEntry is an entry of Kontor's audit log of admin actions: who
// (null: the command line), what, on what, when and why.
type AdminAuditEntry struct {
	ID          string          `json:"id"`
	Account     *entity.Account `json:"account"`
	Action      string          `json:"action"`
	TargetType  string          `json:"target_type"`
	TargetID    string          `json:"target_id"`
	TargetLabel string          `json:"target"`
	Text        string          `json:"text"`
	CreatedAt   string          `json:"created_at"`
}

func (h *Handlers) adminAuditRoutes(r chi.Router) {
	r.Get("/kontor/admin/audit", h.handler(h.adminAudit))
}

// adminAudit is GET /api/v1/kontor/admin/audit (account_id, target_type,
// target_id and paging), for admins and moderators.
func (h *Handlers) adminAudit(w http.ResponseWriter, r *http.Request) error {
	a, page, ok, err := h.requirePage(w, r, "admin:read", 40, 200)
	if !ok {
		return err
	}
	if !a.Permitted(scopes.PermViewAuditLog) {
		return errForbidden
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	f := db.AdminActionFilter{TargetType: p.String("target_type")}
	if f.AccountID, _, err = p.ID("account_id"); err != nil {
		return err
	}
	if f.TargetID, _, err = p.ID("target_id"); err != nil {
		return err
	}
	list, err := h.DB.AdminActions(r.Context(), f, page)
	if err != nil {
		return err
	}
	out := make([]AdminAuditEntry, 0, len(list))
	for _, e := range list {
		entry := AdminAuditEntry{ID: db.FormatID(e.ID), Action: e.Action, TargetType: e.TargetType, TargetID: db.FormatID(e.TargetID),
			TargetLabel: e.TargetLabel, Text: e.Text, CreatedAt: entity.Time(e.CreatedAt)}
		if e.Account != nil {
			entry.Account = ptr(h.present.Account(r.Context(), e.Account))
		}
		out = append(out, entry)
	}
	setPageLink(h, w, r, list, func(e *db.AdminAction) int64 { return e.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}
