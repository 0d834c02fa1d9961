package db

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// Every column of Status's model is scanned by the hot reads (none is
// deliberately left out): a field added to Status without a line in
// statusColumns fails here rather than reading as zero on the timelines.
func TestStatusColumnsCoverTheModel(t *testing.T) {
	excluded := []string{} // columns the hot reads may leave zero: none
	table := sqlitedialect.New().Tables().Get(reflect.TypeFor[Status]())
	var model []string
	for _, f := range table.Fields {
		if !slices.Contains(excluded, f.Name) {
			model = append(model, f.Name)
		}
	}
	var scanned []string
	for _, c := range statusColumns {
		scanned = append(scanned, c.name)
	}
	slices.Sort(model)
	slices.Sort(scanned)
	if !slices.Equal(model, scanned) {
		t.Errorf("Status's columns %v,\nscanned %v", model, scanned)
	}
}

// parseStoredTime gives what modernc's driver gives for a TIMESTAMP column
// (time.Parse of its first matching layout, with the local zone deciding
// the location), bun's layout by its own path and others by the driver's.
func TestParseStoredTimeIsTheDriversParse(t *testing.T) {
	locals := []*time.Location{time.UTC, time.FixedZone("E", 3600), time.FixedZone("Z", 0)}
	for _, name := range []string{"Europe/London", "America/New_York"} {
		if loc, err := time.LoadLocation(name); err == nil {
			locals = append(locals, loc) // London is at offset 0 in winter only
		}
	}
	texts := []string{
		"2026-01-02 03:04:05.5+00:00",
		"2026-07-02 03:04:05.123456+00:00",
		"2026-01-02 03:04:05+00:00",
		"2024-02-29 23:59:59.999999999+00:00",
		"2026-01-02 03:04:05.000001+00:00",
		"2026-01-02 03:04:05.123456+02:00",
		"2026-01-02T03:04:05Z",
		"2026-01-02 03:04:05",
		"2026-01-02",
	}
	for _, local := range locals {
		for _, s := range texts {
			var want time.Time
			var err error
			for _, layout := range sqliteTimeLayouts {
				if want, err = time.ParseInLocation(layout, trimZ(s), local); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			got, err := parseStoredTime(s, local)
			if err != nil || !reflect.DeepEqual(got, want) || got.Location().String() != want.Location().String() {
				t.Errorf("local %s, %q: got %v (%s) %v, want %v (%s)", local, s, got, got.Location(), err, want, want.Location())
			}
		}
	}
	for _, s := range []string{"2026-02-30 03:04:05+00:00", "2026-13-02 03:04:05+00:00", "2026-01-02 24:04:05+00:00", "yesterday"} {
		if got, err := parseStoredTime(s, time.UTC); err == nil {
			t.Errorf("%q: got %v, want an error (as time.Parse)", s, got)
		}
	}
}

func trimZ(s string) string {
	if len(s) > 0 && s[len(s)-1] == 'Z' {
		return s[:len(s)-1]
	}
	return s
}
