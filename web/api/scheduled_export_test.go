package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// ScheduleOnlyHandler is, for the tests of this package, a router that
// answers POST /api/v1/statuses the way the statuses handler does when the
// request carries a scheduled_at: through scheduleStatus, with the same
// authentication and scope. (The statuses endpoints live in their own file;
// this lets the scheduled statuses tests run without them.)
func ScheduleOnlyHandler(d Deps) http.Handler {
	h := New(d)
	r := chi.NewRouter()
	r.Use(CORS, h.authenticate)
	r.Post("/api/v1/statuses", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		a, ok := h.require(w, r, "write:statuses")
		if !ok {
			return nil
		}
		p, err := ReadParams(r)
		if err != nil {
			return err
		}
		at, given, err := p.Time("scheduled_at")
		if err != nil {
			return err
		}
		if !given {
			return fieldErr("scheduled_at", "is needed by this test handler")
		}
		return h.scheduleStatus(w, r, a, p, at)
	}))
	return r
}
