// Package entity holds the Mastodon API's entities and the one place that
// renders them from stored rows (Presenter), so that the REST handlers
// (web/api) and the streaming API (web/streaming) send the same structs,
// with the same visibility, filters and time format.
//
// Every documented field is sent (clients such as Tusky fail on a missing
// non-null field), using [], "", false, 0 or null.
package entity

import "time"

// TimeFormat is the API's timestamp layout: always three fractional digits.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Time formats a timestamp for the API; it is the single place of the
// API's time format.
func Time(t time.Time) string { return t.UTC().Format(TimeFormat) }

// TimePtr formats an optional timestamp (nil stays null).
func TimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}

// OptString is s, or nil (null) when it is empty.
func OptString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ptr[T any](v T) *T { return &v }
