package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// Scheduled statuses: POST /api/v1/statuses with scheduled_at keeps the
// status (scheduleStatus, called by the statuses handler) and the engine's
// job publishes it when the time comes; these endpoints list, show, move
// and cancel what is waiting.

// Page sizes of GET /api/v1/scheduled_statuses, as Mastodon.
const (
	scheduledPageDefault = 20
	scheduledPageMax     = 40
)

// scheduledStatusRoutes registers /api/v1/scheduled_statuses.
func (h *Handlers) scheduledStatusRoutes(r chi.Router) {
	r.Get("/scheduled_statuses", h.handler(h.listScheduledStatuses))
	r.Get("/scheduled_statuses/{id}", h.handler(h.getScheduledStatus))
	r.Put("/scheduled_statuses/{id}", h.handler(h.updateScheduledStatus))
	r.Delete("/scheduled_statuses/{id}", h.handler(h.deleteScheduledStatus))
}

// scheduleStatus answers POST /api/v1/statuses when it carries a
// scheduled_at (at): it reads the status's fields from p, checks them as a
// new status is checked (the engine's rules) and that `at` is at least five
// minutes ahead, reserves the attachments and answers a ScheduledStatus.
// An Idempotency-Key already used by the account returns the scheduled
// status made with it.
func (h *Handlers) scheduleStatus(w http.ResponseWriter, r *http.Request, a *auth.Caller, p *Params, at time.Time) error {
	post, err := h.readNewStatus(r.Context(), a, p)
	if err != nil {
		return err
	}
	ss, err := h.Engine.ScheduleStatus(r.Context(), a.Account, at, post, idempotencyKey(r))
	if err != nil {
		return err
	}
	return h.renderScheduledStatus(w, r, ss)
}

// listScheduledStatuses is GET /api/v1/scheduled_statuses.
func (h *Handlers) listScheduledStatuses(w http.ResponseWriter, r *http.Request) error {
	a, page, ok, err := h.requirePage(w, r, "read:statuses", scheduledPageDefault, scheduledPageMax)
	if !ok {
		return err
	}
	list, err := h.DB.ScheduledStatuses(r.Context(), a.Account.ID, page)
	if err != nil {
		return err
	}
	out, err := h.present.ScheduledStatuses(r.Context(), list)
	if err != nil {
		return err
	}
	setPageLink(h, w, r, list, func(ss *db.ScheduledStatus) int64 { return ss.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

// getScheduledStatus is GET /api/v1/scheduled_statuses/:id.
func (h *Handlers) getScheduledStatus(w http.ResponseWriter, r *http.Request) error {
	_, ss, ok, err := requireOwn(h, w, r, "read:statuses", h.DB.ScheduledStatusByID)
	if !ok {
		return err
	}
	return h.renderScheduledStatus(w, r, ss)
}

// updateScheduledStatus is PUT /api/v1/scheduled_statuses/:id: a new
// scheduled_at (the other fields cannot change, as on Mastodon).
func (h *Handlers) updateScheduledStatus(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:statuses")
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	at, given, err := p.Time("scheduled_at")
	if err != nil {
		return err
	}
	if _, err := h.DB.ScheduledStatusByID(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	if !given {
		return fieldErr("scheduled_at", "can't be blank")
	}
	ss, err := h.Engine.RescheduleStatus(r.Context(), a.Account, id, at)
	if err != nil {
		return err
	}
	return h.renderScheduledStatus(w, r, ss)
}

// deleteScheduledStatus is DELETE /api/v1/scheduled_statuses/:id → {}.
// Its attachments stay (unattached) for the media cleanup.
func (h *Handlers) deleteScheduledStatus(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:statuses")
	if !ok {
		return err
	}
	if err := h.DB.DeleteScheduledStatus(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	if rec := activitypub.BrandAuditRecord(r.Context(), a.Account, "status.unschedule", nil, "scheduled status "+db.FormatID(id)); rec != nil {
		if err := h.DB.RecordBrandAction(r.Context(), rec); err != nil {
			h.Log.Warn("brand audit", "action", rec.Action, "err", err)
		}
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

func (h *Handlers) renderScheduledStatus(w http.ResponseWriter, r *http.Request, ss *db.ScheduledStatus) error {
	out, err := h.present.ScheduledStatuses(r.Context(), []*db.ScheduledStatus{ss})
	return renderFirst(w, out, err)
}
