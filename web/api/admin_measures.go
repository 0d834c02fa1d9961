package api

import (
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// AdminMeasure is Mastodon's Admin::Measure: a figure per day over a range.
type AdminMeasure struct {
	Key           string             `json:"key"`
	Unit          *string            `json:"unit"`
	Total         string             `json:"total"`
	HumanValue    string             `json:"human_value"`
	PreviousTotal string             `json:"previous_total"`
	Data          []AdminMeasureData `json:"data"`
}

// AdminMeasureData is one day of a measure.
type AdminMeasureData struct {
	Date  string `json:"date"`
	Value string `json:"value"`
}

func (h *Handlers) adminMeasureRoutes(r chi.Router) {
	r.Post("/admin/measures", h.handler(h.adminMeasures))
	r.Post("/admin/dimensions", h.handler(h.adminDimensions))
	r.Post("/admin/retention", h.handler(h.adminRetention))
}

// adminMeasures is POST /api/v1/admin/measures: keys[], start_at and
// end_at (dates, both days included). Unknown keys are left out, as
// Mastodon does; previous_total covers the same span just before.
func (h *Handlers) adminMeasures(w http.ResponseWriter, r *http.Request) error {
	p, start, end, ok, err := h.readAdminPeriod(w, r)
	if !ok {
		return err
	}
	if end.Before(start) || end.Sub(start) > 366*24*time.Hour {
		return fieldErr("end_at", "must be after start_at, at most a year later")
	}
	span := end.Sub(start) + 24*time.Hour
	out := []AdminMeasure{}
	for _, key := range p.Strings("keys") {
		if !slices.Contains(db.AdminMeasureKeys, key) {
			continue
		}
		days, total, err := h.DB.AdminMeasure(r.Context(), key, start, end)
		if err != nil {
			return err
		}
		_, previous, err := h.DB.AdminMeasure(r.Context(), key, start.Add(-span), start.Add(-24*time.Hour))
		if err != nil {
			return err
		}
		m := AdminMeasure{Key: key, Total: strconv.FormatInt(total, 10), HumanValue: strconv.FormatInt(total, 10),
			PreviousTotal: strconv.FormatInt(previous, 10), Data: make([]AdminMeasureData, 0, len(days))}
		for _, d := range days {
			m.Data = append(m.Data, AdminMeasureData{Date: entity.Time(d.Date), Value: strconv.FormatInt(d.Value, 10)})
		}
		out = append(out, m)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// readAdminPeriod is the common head of the figures endpoints: admin:read,
// then the parameters with start_at and end_at. When ok is false the
// handler returns err.
func (h *Handlers) readAdminPeriod(w http.ResponseWriter, r *http.Request) (p *Params, start, end time.Time, ok bool, err error) {
	if _, ok := h.require(w, r, "admin:read"); !ok {
		return nil, start, end, false, nil
	}
	if p, err = ReadParams(r); err != nil {
		return nil, start, end, false, err
	}
	if start, err = dayParam(p, "start_at"); err != nil {
		return nil, start, end, false, err
	}
	if end, err = dayParam(p, "end_at"); err != nil {
		return nil, start, end, false, err
	}
	return p, start, end, true, nil
}

// dayParam reads a required date (2024-05-01) or datetime.
func dayParam(p *Params, key string) (time.Time, error) {
	s := strings.TrimSpace(p.String(key))
	if s == "" {
		return time.Time{}, fieldErr(key, "can't be blank")
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, _, err := p.Time(key)
	return t, err
}

// AdminDimension is Mastodon's Admin::Dimension: the most frequent values
// of something over a range.
type AdminDimension struct {
	Key  string               `json:"key"`
	Data []AdminDimensionData `json:"data"`
}

// AdminDimensionData is one value of a dimension.
type AdminDimensionData struct {
	Key        string `json:"key"`
	HumanKey   string `json:"human_key"`
	Value      string `json:"value"`
	HumanValue string `json:"human_value,omitempty"`
}

// adminDimensions is POST /api/v1/admin/dimensions: keys[] (languages,
// servers, sources, software_versions), start_at, end_at and limit.
func (h *Handlers) adminDimensions(w http.ResponseWriter, r *http.Request) error {
	p, start, end, ok, err := h.readAdminPeriod(w, r)
	if !ok {
		return err
	}
	limit, _, err := p.Int("limit")
	if err != nil {
		return err
	}
	limit = min(max(limit, 1), 100)
	if !p.Has("limit") {
		limit = 10
	}
	out := []AdminDimension{}
	for _, key := range p.Strings("keys") {
		dim := AdminDimension{Key: key, Data: []AdminDimensionData{}}
		switch key {
		case "languages", "servers", "sources":
			items, err := h.DB.AdminDimension(r.Context(), key, start, end, int(limit))
			if err != nil {
				return err
			}
			for _, it := range items {
				v := strconv.FormatInt(it.Value, 10)
				dim.Data = append(dim.Data, AdminDimensionData{Key: it.Key, HumanKey: it.Key, Value: v})
			}
		case "software_versions":
			dbVersion, err := h.DB.ServerVersion(r.Context())
			if err != nil {
				return err
			}
			dim.Data = append(dim.Data,
				AdminDimensionData{Key: "kontor", HumanKey: "Kontor", Value: h.Version, HumanValue: h.Version},
				AdminDimensionData{Key: "go", HumanKey: "Go", Value: runtime.Version(), HumanValue: runtime.Version()},
				AdminDimensionData{Key: h.DB.Dialect(), HumanKey: h.DB.Dialect(), Value: dbVersion, HumanValue: dbVersion})
		default:
			continue // unknown keys are left out, as Mastodon does
		}
		out = append(out, dim)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// AdminCohort is Mastodon's Admin::Cohort: users who signed up in a period
// and the share of them active (posting) in each period since.
type AdminCohort struct {
	Period    string            `json:"period"`
	Frequency string            `json:"frequency"`
	Data      []AdminCohortData `json:"data"`
}

// AdminCohortData is one period of a cohort.
type AdminCohortData struct {
	Date  string  `json:"date"`
	Rate  float64 `json:"rate"`
	Value string  `json:"value"`
}

// adminRetention is POST /api/v1/admin/retention: start_at, end_at and
// frequency (day or month).
func (h *Handlers) adminRetention(w http.ResponseWriter, r *http.Request) error {
	p, start, end, ok, err := h.readAdminPeriod(w, r)
	if !ok {
		return err
	}
	freq := p.String("frequency")
	if freq != "day" && freq != "month" {
		return fieldErr("frequency", "must be day or month")
	}
	if end.Before(start) || end.Sub(start) > 366*24*time.Hour {
		return fieldErr("end_at", "must be after start_at, at most a year later")
	}
	cohorts, err := h.DB.AdminRetention(r.Context(), start, end, freq == "month")
	if err != nil {
		return err
	}
	out := make([]AdminCohort, 0, len(cohorts))
	for _, c := range cohorts {
		ac := AdminCohort{Period: entity.Time(c.Start), Frequency: freq, Data: []AdminCohortData{}}
		date := c.Start
		for _, n := range c.Active {
			rate := 0.0
			if c.Size > 0 {
				rate = float64(n) / float64(c.Size)
			}
			ac.Data = append(ac.Data, AdminCohortData{Date: entity.Time(date), Rate: rate, Value: strconv.FormatInt(n, 10)})
			if freq == "month" {
				date = date.AddDate(0, 1, 0)
			} else {
				date = date.AddDate(0, 0, 1)
			}
		}
		out = append(out, ac)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}
