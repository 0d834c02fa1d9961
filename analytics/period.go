package analytics

import (
	"fmt"
	"strings"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Period is the time range of a report: [Since, Until), UTC. Posts belong
// to it by their publication time, activities (reach) by their sending
// time, followers rows by their day.
type Period struct {
	Since, Until time.Time
}

// Bounds of periods.
const (
	DefaultDays = 30  // a period without since/until: the last 30 days, today included
	MaxDays     = 731 // two years: one followers row per day at most
)

// DayLayout is how days are written (account_stats_daily.day, CSV, JSON).
const DayLayout = "2006-01-02"

// Day is the UTC day of t, as YYYY-MM-DD.
func Day(t time.Time) string { return t.UTC().Format(DayLayout) }

// startOfDay is midnight UTC of t's day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// PeriodError is a since/until parameter that cannot be used.
type PeriodError struct {
	Param string // "since" or "until"
	Msg   string
}

func (e *PeriodError) Error() string { return e.Param + " " + e.Msg }

// ParsePeriod reads since and until as sent by clients and forms: a day
// (YYYY-MM-DD: since is its start, until its end, so the day is included)
// or an ISO 8601 time. Without them the period is the last DefaultDays
// whole UTC days, today included; with one of them it runs DefaultDays
// days from or to it.
func ParsePeriod(since, until string, now time.Time) (Period, error) {
	var p Period
	var err error
	hasSince, hasUntil := strings.TrimSpace(since) != "", strings.TrimSpace(until) != ""
	if hasSince {
		if p.Since, _, err = parseTime("since", since); err != nil {
			return p, err
		}
	}
	if hasUntil {
		var isDay bool
		if p.Until, isDay, err = parseTime("until", until); err != nil {
			return p, err
		}
		if isDay {
			p.Until = p.Until.AddDate(0, 0, 1)
		}
	}
	switch {
	case !hasSince && !hasUntil:
		p.Until = startOfDay(now).AddDate(0, 0, 1)
		p.Since = p.Until.AddDate(0, 0, -DefaultDays)
	case !hasSince:
		p.Since = p.Until.AddDate(0, 0, -DefaultDays)
	case !hasUntil:
		p.Until = p.Since.AddDate(0, 0, DefaultDays)
	}
	if !p.Since.Before(p.Until) {
		return p, &PeriodError{"until", "must be after since"}
	}
	if p.Until.Sub(p.Since) > MaxDays*24*time.Hour {
		return p, &PeriodError{"until", fmt.Sprintf("must be at most %d days after since", MaxDays)}
	}
	return p, nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04"}

func parseTime(param, s string) (time.Time, bool, error) {
	s = strings.TrimSpace(s)
	bad := &PeriodError{param, "is not a date (YYYY-MM-DD) or an ISO 8601 time"}
	t, err := time.Parse(DayLayout, s)
	isDay := err == nil
	for _, layout := range timeLayouts {
		if err == nil {
			break
		}
		t, err = time.Parse(layout, s)
	}
	if err != nil {
		return time.Time{}, false, bad
	}
	// IDs hold milliseconds since 1970 in 48 bits: keep to years they can say.
	if t.Year() < 1970 || t.Year() > 2999 {
		return time.Time{}, false, &PeriodError{param, "is out of range"}
	}
	return t.UTC(), isDay, nil
}

// IDs are the bounds of the period as time-ordered IDs: [from, to).
func (p Period) IDs() (from, to int64) {
	return db.MinIDAt(p.Since), db.MinIDAt(p.Until)
}

// Days are the first and last day the period touches (both included).
func (p Period) Days() (from, to string) {
	return Day(p.Since), Day(p.Until.Add(-time.Nanosecond))
}

// WholeDays reports whether the period starts and ends at midnight UTC
// (it was given as days): pages show it as days then.
func (p Period) WholeDays() bool {
	return p.Since.Equal(startOfDay(p.Since)) && p.Until.Equal(startOfDay(p.Until))
}
