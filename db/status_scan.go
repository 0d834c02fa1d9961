package db

import (
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The hot reads of statuses (preparedStatuses: the timelines and
// StatusByID) scan their rows by hand rather than with bun's ScanRows: its
// reflection per column was a tenth of the home timeline's CPU
// (bench/readpath). statusColumns is the one list of the columns they
// select and where each value goes; the SELECT is built from it, so the two
// cannot drift, and a test holds it to Status's bun columns.

// columnKind is how a column is stored, for the SELECT and the conversion.
type columnKind int

const (
	kindInt columnKind = iota
	kindBool
	kindText
	kindTime
)

// statusColumn is one selected column and the field of Status it fills
// from the driver's value (what database/sql gives an *any).
type statusColumn struct {
	name string
	kind columnKind
	set  func(s *Status, v any) error
}

// statusColumns are the columns of statuses the hot reads select, in order.
var statusColumns = []statusColumn{
	{"id", kindInt, func(s *Status, v any) (err error) { s.ID, err = scanInt(v); return }},
	{"uri", kindText, func(s *Status, v any) (err error) { s.URI, err = scanText(v); return }},
	{"url", kindText, func(s *Status, v any) (err error) { s.URL, err = scanText(v); return }},
	{"account_id", kindInt, func(s *Status, v any) (err error) { s.AccountID, err = scanInt(v); return }},
	{"local", kindBool, func(s *Status, v any) (err error) { s.Local, err = scanBool(v); return }},
	{"visibility", kindInt, func(s *Status, v any) error {
		n, err := scanInt(v)
		s.Visibility = Visibility(n)
		return err
	}},
	{"in_reply_to_id", kindInt, func(s *Status, v any) (err error) { s.InReplyToID, err = scanOptInt(v); return }},
	{"in_reply_to_account_id", kindInt, func(s *Status, v any) (err error) { s.InReplyToAccountID, err = scanOptInt(v); return }},
	{"in_reply_to_uri", kindText, func(s *Status, v any) (err error) { s.InReplyToURI, err = scanText(v); return }},
	{"reblog_of_id", kindInt, func(s *Status, v any) (err error) { s.ReblogOfID, err = scanOptInt(v); return }},
	{"thread_id", kindInt, func(s *Status, v any) (err error) { s.ThreadID, err = scanInt(v); return }},
	{"content", kindText, func(s *Status, v any) (err error) { s.Content, err = scanText(v); return }},
	{"text", kindText, func(s *Status, v any) (err error) { s.Text, err = scanText(v); return }},
	{"spoiler_text", kindText, func(s *Status, v any) (err error) { s.SpoilerText, err = scanText(v); return }},
	{"sensitive", kindBool, func(s *Status, v any) (err error) { s.Sensitive, err = scanBool(v); return }},
	{"language", kindText, func(s *Status, v any) (err error) { s.Language, err = scanText(v); return }},
	{"has_media", kindBool, func(s *Status, v any) (err error) { s.HasMedia, err = scanBool(v); return }},
	{"poll_id", kindInt, func(s *Status, v any) (err error) { s.PollID, err = scanOptInt(v); return }},
	{"application_id", kindInt, func(s *Status, v any) (err error) { s.ApplicationID, err = scanOptInt(v); return }},
	{"quote_of_id", kindInt, func(s *Status, v any) (err error) { s.QuoteOfID, err = scanOptInt(v); return }},
	{"replies_count", kindInt, func(s *Status, v any) (err error) { s.RepliesCount, err = scanInt(v); return }},
	{"reblogs_count", kindInt, func(s *Status, v any) (err error) { s.ReblogsCount, err = scanInt(v); return }},
	{"favourites_count", kindInt, func(s *Status, v any) (err error) { s.FavouritesCount, err = scanInt(v); return }},
	{"created_at", kindTime, func(s *Status, v any) (err error) { s.CreatedAt, err = scanTime(v); return }},
	{"edited_at", kindTime, func(s *Status, v any) (err error) { s.EditedAt, err = scanOptTime(v); return }},
	{"updated_at", kindTime, func(s *Status, v any) (err error) { s.UpdatedAt, err = scanTime(v); return }},
}

// statusSelect is the select list of statusColumns for statuses aliased
// alias. On SQLite, text and time columns are written "+alias.col": the
// unary plus changes nothing in the value but drops the column's declared
// type, so modernc's driver neither looks that type up for every text value
// of every row nor tries its list of time layouts on TIMESTAMP columns; the
// times come as text and scanTime parses bun's one layout.
func (d *DB) statusSelect(alias string) string {
	var b strings.Builder
	for i, c := range statusColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		if d.dialect != Postgres && (c.kind == kindText || c.kind == kindTime) {
			b.WriteByte('+')
		}
		b.WriteString(alias + "." + c.name + " AS " + c.name)
	}
	return b.String()
}

// scanStatuses reads rows selected with statusSelect into statuses, and
// closes rows.
func scanStatuses(rows *sql.Rows) ([]*Status, error) {
	defer rows.Close()
	vals := make([]any, len(statusColumns))
	dest := make([]any, len(statusColumns))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var list []*Status
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		s := new(Status)
		for i, c := range statusColumns {
			if err := c.set(s, vals[i]); err != nil {
				return nil, fmt.Errorf("db: scan statuses.%s: %w", c.name, err)
			}
		}
		list = append(list, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// The conversions below give what bun's scanners give for the same driver
// values (schema/scan.go): NULL is the zero value, or nil for a pointer.

func scanInt(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("integer from %T", v)
}

func scanOptInt(v any) (*int64, error) {
	if v == nil {
		return nil, nil
	}
	n, err := scanInt(v)
	return &n, err
}

func scanBool(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case int64:
		return v != 0, nil
	case nil:
		return false, nil
	}
	return false, fmt.Errorf("boolean from %T", v)
}

func scanText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("text from %T", v)
}

func scanTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case string:
		return parseStoredTime(v, time.Local)
	case []byte:
		return parseStoredTime(string(v), time.Local)
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("time from %T", v)
}

func scanOptTime(v any) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := scanTime(v)
	return &t, err
}

// sqliteTimeLayouts are the layouts modernc's driver tries, in its order,
// on a TIMESTAMP column's text (modernc.org/sqlite conn.go, after
// trimming a final "Z"); bun's own writes match the first.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseStoredTime is the time modernc's driver makes of a TIMESTAMP
// column's text, with local as time.Local. What bun writes (UTC, "2006-01-02
// 15:04:05.999999+00:00") is read without time.Parse's general machinery;
// anything else goes through the driver's layouts.
func parseStoredTime(s string, local *time.Location) (time.Time, error) {
	if t, ok := parseBunUTC(s, local); ok {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(s), local); err == nil {
		return t, nil // what time.Time.String gives, the driver's own writes
	}
	ts := strings.TrimSuffix(s, "Z")
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.ParseInLocation(layout, ts, local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q in no known layout", s)
}

// parseBunUTC parses "YYYY-MM-DD hh:mm:ss[.fraction]+00:00" as
// time.ParseInLocation(sqliteTimeLayouts[0], s, local) would: the same
// instant, in local if local is at offset zero then, else in a fixed zone
// without a name. ok is false for any other text.
func parseBunUTC(s string, local *time.Location) (t time.Time, ok bool) {
	const suffix = "+00:00"
	if len(s) < 19+len(suffix) || !strings.HasSuffix(s, suffix) ||
		s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec := num(11, 13), num(14, 16), num(17, 19)
	nsec := 0
	if frac := s[19 : len(s)-len(suffix)]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		nsec = num(20, 19+len(frac))
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 || nsec < 0 {
		return time.Time{}, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // past the month's end: time.Parse refuses it
		return time.Time{}, false
	}
	if _, offset := t.In(local).Zone(); offset == 0 {
		return t.In(local), true
	}
	return t.In(time.FixedZone("", 0)), true
}
