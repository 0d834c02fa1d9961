package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// markerTimelines are the timelines that keep a reading position.
var markerTimelines = []string{"home", "notifications"}

// Marker is Mastodon's Marker entity.
type Marker struct {
	LastReadID string `json:"last_read_id"`
	Version    int64  `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

// markerRoutes registers /api/v1/markers.
func (h *Handlers) markerRoutes(r chi.Router) {
	r.Get("/markers", h.handler(h.getMarkers))
	r.Post("/markers", h.handler(h.saveMarkers))
}

// getMarkers answers the requested markers (timeline[]=home&timeline[]=notifications,
// or timeline=notifications). The notifications marker is always sent,
// with last_read_id "0" before the first save: Elk reads it unchecked.
func (h *Handlers) getMarkers(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:statuses")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	wanted := []string{"notifications"}
	for _, t := range p.Strings("timeline") {
		if slices.Contains(markerTimelines, t) && !slices.Contains(wanted, t) {
			wanted = append(wanted, t)
		}
	}
	return h.renderMarkers(w, r, a.Account.ID, wanted)
}

func (h *Handlers) renderMarkers(w http.ResponseWriter, r *http.Request, accountID int64, timelines []string) error {
	stored, err := h.DB.Markers(r.Context(), accountID, timelines)
	if err != nil {
		return err
	}
	out := map[string]Marker{}
	for _, t := range timelines {
		if m := stored[t]; m != nil {
			out[t] = Marker{LastReadID: db.FormatID(m.LastReadID), Version: m.Version, UpdatedAt: entity.Time(m.UpdatedAt)}
		}
	}
	if _, ok := out["notifications"]; !ok {
		out["notifications"] = Marker{LastReadID: "0", Version: 0, UpdatedAt: entity.Time(time.Now())}
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// saveMarkers stores home[last_read_id] and notifications[last_read_id]
// (JSON or form) and answers both markers.
func (h *Handlers) saveMarkers(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:statuses")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	positions := map[string]int64{}
	for _, t := range markerTimelines {
		key := t + "[last_read_id]"
		s := p.String(key)
		if !p.Has(key) {
			continue
		}
		id, ok := db.ParseID(s)
		if !ok && s != "0" {
			return fieldErr(key, "is not a valid ID")
		}
		positions[t] = id
	}
	if len(positions) > 0 {
		if err := h.DB.SaveMarkers(r.Context(), a.Account.ID, positions); err != nil {
			return err
		}
	}
	return h.renderMarkers(w, r, a.Account.ID, markerTimelines)
}
