package api

import "github.com/go-chi/chi/v5"

// v1Groups are the route registrations of /api/v1, one per endpoint group;
// each lives in the file that implements the group.
func (h *Handlers) v1Groups() []func(chi.Router) {
	return []func(chi.Router){
		h.statusRoutes, h.timelineRoutes,
	}
}

// v2Groups are the route registrations of /api/v2.
func (h *Handlers) v2Groups() []func(chi.Router) {
	return []func(chi.Router){}
}
