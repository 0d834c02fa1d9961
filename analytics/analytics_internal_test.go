package analytics

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

func day(s string) time.Time {
	t, err := time.Parse(DayLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		since, until string
		want         Period
		errParam     string
	}{
		{"", "", Period{day("2026-10-28"), day("2026-11-27")}, ""},
		{"2026-11-01", "2026-11-30", Period{day("2026-11-01"), day("2026-12-01")}, ""},
		{"2026-11-01", "", Period{day("2026-11-01"), day("2026-12-01")}, ""},
		{"", "2026-11-30", Period{day("2026-11-01"), day("2026-12-01")}, ""},
		{"2026-11-26", "2026-11-26", Period{day("2026-11-26"), day("2026-11-27")}, ""},
		{"2026-11-26T10:00:00Z", "2026-11-26T12:30:00.000Z", Period{time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC)}, ""},
		{"2026-11-26T10:00:00+02:00", "2026-11-26T12:00", Period{time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}, ""},
		{" 2026-11-01 ", "", Period{day("2026-11-01"), day("2026-12-01")}, ""},
		{"yesterday", "", Period{}, "since"},
		{"", "2026-13-01", Period{}, "until"},
		{"2026-11-30", "2026-11-01", Period{}, "until"},
		{"2026-11-26T12:00:00Z", "2026-11-26T12:00:00Z", Period{}, "until"},
		{"2020-01-01", "2026-01-01", Period{}, "until"},
		{"1969-12-31", "", Period{}, "since"},
		{"", "9999-01-01", Period{}, "until"},
	} {
		got, err := ParsePeriod(c.since, c.until, now)
		var pe *PeriodError
		switch {
		case c.errParam != "":
			if !errors.As(err, &pe) || pe.Param != c.errParam || pe.Msg == "" {
				t.Errorf("ParsePeriod(%q, %q) = %v, %v; want an error about %s", c.since, c.until, got, err, c.errParam)
			}
		case err != nil || !got.Since.Equal(c.want.Since) || !got.Until.Equal(c.want.Until):
			t.Errorf("ParsePeriod(%q, %q) = %v, %v; want %v", c.since, c.until, got, err, c.want)
		}
	}
}

func TestPeriodBounds(t *testing.T) {
	p := Period{day("2026-11-01"), day("2026-12-01")}
	if from, to := p.Days(); from != "2026-11-01" || to != "2026-11-30" {
		t.Errorf("days %s %s", from, to)
	}
	if from, to := p.IDs(); db.IDTime(from) != p.Since || db.IDTime(to) != p.Until || from >= to {
		t.Errorf("ids %d %d", from, to)
	}
	if !p.WholeDays() || (Period{p.Since, p.Until.Add(time.Hour)}).WholeDays() {
		t.Error("WholeDays")
	}
}

// Young posts get the current hour's sample, older ones the current day's,
// and posts older than DailyFor none.
func TestSampleWindows(t *testing.T) {
	now := time.Date(2026, 11, 26, 15, 42, 0, 0, time.UTC)
	w := sampleWindows(now)
	if len(w) != 2 {
		t.Fatalf("%d windows", len(w))
	}
	hourly, daily := w[0], w[1]
	if !hourly.bucket.Equal(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)) || !hourly.from.Equal(now.Add(-48*time.Hour)) || !hourly.to.After(now) {
		t.Errorf("hourly window %+v", hourly)
	}
	if !daily.bucket.Equal(day("2026-11-26")) || !daily.from.Equal(now.Add(-30*24*time.Hour)) || !daily.to.Equal(hourly.from) {
		t.Errorf("daily window %+v", daily)
	}
}

func TestShorten(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"hello":             "hello",
		"  hello \n\n you ": "hello you",
		"ääääääääääää":      "äääääääää…",
		"1234567890":        "1234567890",
		"12345678901":       "123456789…",
	} {
		if got := shorten(in, 10); got != want {
			t.Errorf("shorten(%q) = %q, want %q", in, got, want)
		}
	}
}

// Excerpts: public and unlisted posts for everyone allowed in; private
// ones only for their author; a content warning stands in for the text.
func TestPresentExcerpts(t *testing.T) {
	rows := []db.PostStats{
		{ID: 1, AccountID: 10, Visibility: db.Public, Text: "public text"},
		{ID: 2, AccountID: 10, Visibility: db.Unlisted, Text: "unlisted text"},
		{ID: 3, AccountID: 10, Visibility: db.Private, Text: "private text"},
		{ID: 4, AccountID: 10, Visibility: db.Public, Text: "spoiled", SpoilerText: "politics"},
	}
	for viewer, want := range map[int64][]string{
		10: {"public text", "unlisted text", "private text", "CW: politics"},
		99: {"public text", "unlisted text", "", "CW: politics"},
	} {
		got := present(rows, viewer)
		for i := range got {
			if got[i].Excerpt != want[i] {
				t.Errorf("viewer %d, post %d: excerpt %q, want %q", viewer, rows[i].ID, got[i].Excerpt, want[i])
			}
		}
	}
	p := Post{PostStats: db.PostStats{Favourites: 2, Boosts: 3, Replies: 4, Delivered: 5, LocalFollowers: 6}}
	if p.Engagement() != 9 || p.Reached() != 11 {
		t.Errorf("engagement %d, reached %d", p.Engagement(), p.Reached())
	}
}

// Cells a spreadsheet would run as formulas are defused.
func TestCSVCells(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"hello":         "hello",
		"=HYPERLINK(1)": "'=HYPERLINK(1)",
		"+1":            "'+1",
		"-1":            "'-1",
		"@SUM(A1)":      "'@SUM(A1)",
		"\tx":           "'\tx",
		"a=b":           "a=b",
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
	var buf bytes.Buffer
	s := &Service{}
	if err := s.WriteCSV(t.Context(), &buf, "everything", nil, Period{}, 0); !errors.Is(err, ErrUnknownKind) || buf.Len() != 0 {
		t.Errorf("unknown kind: %v, wrote %q", err, buf.String())
	}
}
