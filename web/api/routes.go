package api

import "github.com/go-chi/chi/v5"

// v1Groups are the route registrations of /api/v1, one per endpoint group;
// each lives in the file that implements the group.
func (h *Handlers) v1Groups() []func(chi.Router) {
	return []func(chi.Router){
		h.accountRoutes,
		h.notificationRoutes,
		h.markerRoutes,
		h.listRoutes,
		h.filterRoutes,
		h.tagRoutes,
		h.searchRoutes,
		h.instanceRoutes,
		h.conversationRoutes,
		h.miscRoutes,
		h.pushRoutes,
		h.analyticsRoutes,
		h.registrationRoutes,
		h.mediaRoutes,
		h.pollRoutes,
		h.scheduledStatusRoutes,
		h.statusRoutes,
		h.timelineRoutes,
		h.brandRoutes,
		h.reportRoutes,
		h.adminAccountRoutes,
		h.adminReportRoutes,
		h.adminDomainBlockRoutes,
		h.adminDomainAllowRoutes,
		h.adminAuditRoutes,
		h.adminBlockRoutes,
		h.adminMeasureRoutes,
	}
}

// v2Groups are the route registrations of /api/v2.
func (h *Handlers) v2Groups() []func(chi.Router) {
	return []func(chi.Router){
		h.accountV2Routes,
		h.notificationV2Routes,
		h.filterV2Routes,
		h.searchV2Routes,
		h.instanceV2Routes,
		h.mediaV2Routes,
		h.adminAccountV2Routes,
	}
}
