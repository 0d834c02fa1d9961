package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The admin dashboard's figures (Mastodon's admin measures): each is a set
// of moments in a time range, counted per UTC day by the caller. The
// moments are read as they are so both dialects count the same way.

// AdminMeasureKeys are the measures Kontor has.
var AdminMeasureKeys = []string{"new_users", "active_users", "interactions", "opened_reports", "resolved_reports"}

// measureSQL is, per measure, a query of (account or row, moment) pairs in
// [start, end): new local users; local accounts that posted or last signed
// in (active); favourites, boosts and replies of local statuses
// (interactions); reports made and resolved.
var measureSQL = map[string]string{
	"new_users": `SELECT u.id AS who, u.created_at AS at FROM users u WHERE u.created_at >= ? AND u.created_at < ?`,
	"active_users": `SELECT s.account_id AS who, s.created_at AS at FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE a.domain = '' AND s.created_at >= ? AND s.created_at < ?
		UNION ALL SELECT u.account_id AS who, u.last_sign_in_at AS at FROM users u WHERE u.last_sign_in_at >= ? AND u.last_sign_in_at < ?`,
	"interactions": `SELECT f.id AS who, f.created_at AS at FROM favourites f JOIN statuses s ON s.id = f.status_id JOIN accounts a ON a.id = s.account_id
		WHERE a.domain = '' AND f.created_at >= ? AND f.created_at < ?
		UNION ALL SELECT r.id AS who, r.created_at AS at FROM statuses r JOIN statuses s ON s.id = COALESCE(r.reblog_of_id, r.in_reply_to_id)
		JOIN accounts a ON a.id = s.account_id WHERE a.domain = '' AND r.account_id <> s.account_id AND r.created_at >= ? AND r.created_at < ?`,
	"opened_reports":   `SELECT rp.id AS who, rp.created_at AS at FROM reports rp WHERE rp.created_at >= ? AND rp.created_at < ?`,
	"resolved_reports": `SELECT rp.id AS who, rp.action_taken_at AS at FROM reports rp WHERE rp.action_taken_at >= ? AND rp.action_taken_at < ?`,
}

// distinctPerDay: the measures that count accounts once a day.
var distinctPerDay = map[string]bool{"active_users": true}

// MeasureDay is one day's value of a measure.
type MeasureDay struct {
	Date  time.Time
	Value int64
}

// AdminMeasure counts a measure per UTC day from start to end (both days
// included) and in total.
func (d *DB) AdminMeasure(ctx context.Context, key string, start, end time.Time) (days []MeasureDay, total int64, err error) {
	q, ok := measureSQL[key]
	if !ok {
		return nil, 0, fmt.Errorf("db: unknown measure %q", key)
	}
	from := start.UTC().Truncate(24 * time.Hour)
	until := end.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	args := []any{from, until}
	if strings.Count(q, "?") == 4 {
		args = append(args, from, until)
	}
	var rows []struct {
		Who int64     `bun:"who"`
		At  time.Time `bun:"at"`
	}
	if err := d.r.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, 0, fmt.Errorf("db: measure %s: %w", key, err)
	}
	perDay := map[time.Time]map[int64]bool{}
	counts := map[time.Time]int64{}
	everyone := map[int64]bool{}
	for _, r := range rows {
		day := r.At.UTC().Truncate(24 * time.Hour)
		if distinctPerDay[key] {
			if perDay[day] == nil {
				perDay[day] = map[int64]bool{}
			}
			if perDay[day][r.Who] {
				continue
			}
			perDay[day][r.Who] = true
			everyone[r.Who] = true
		}
		counts[day]++
	}
	for day := from; day.Before(until); day = day.Add(24 * time.Hour) {
		days = append(days, MeasureDay{Date: day, Value: counts[day]})
		total += counts[day]
	}
	if distinctPerDay[key] { // the total counts each account once
		total = int64(len(everyone))
	}
	return days, total, nil
}

// DimensionItem is one value of an admin dimension and how often it occurs.
type DimensionItem struct {
	Key   string `bun:"key"`
	Value int64  `bun:"value"`
}

// dimensionSQL is, per dimension, the grouping of statuses made in
// [start, end): languages of local posts, servers of remote posts; and of
// the users who signed up then: sources, the app they signed up through
// (Mastodon's name for the web form and everything else: "web").
var dimensionSQL = map[string]string{
	"languages": `SELECT s.language AS key, count(*) AS value FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE a.domain = '' AND s.language <> '' AND s.created_at >= ? AND s.created_at < ? GROUP BY s.language ORDER BY value DESC, key LIMIT ?`,
	"servers": `SELECT a.domain AS key, count(*) AS value FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE a.domain <> '' AND s.created_at >= ? AND s.created_at < ? GROUP BY a.domain ORDER BY value DESC, key LIMIT ?`,
	"sources": `SELECT COALESCE(o.name, 'web') AS key, count(*) AS value FROM users u LEFT JOIN oauth_apps o ON o.id = u.created_by_app_id
		WHERE u.created_at >= ? AND u.created_at < ? GROUP BY COALESCE(o.name, 'web') ORDER BY value DESC, key LIMIT ?`,
}

// AdminDimension returns the most frequent values of a dimension
// ("languages", "servers" or "sources") from start to end (both days included).
func (d *DB) AdminDimension(ctx context.Context, key string, start, end time.Time, limit int) ([]DimensionItem, error) {
	q, ok := dimensionSQL[key]
	if !ok {
		return nil, fmt.Errorf("db: unknown dimension %q", key)
	}
	from := start.UTC().Truncate(24 * time.Hour)
	until := end.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	var out []DimensionItem
	if err := d.r.NewRaw(q, from, until, limit).Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("db: dimension %s: %w", key, err)
	}
	return out, nil
}

// ServerVersion is the database's own version.
func (d *DB) ServerVersion(ctx context.Context) (string, error) {
	q := "SELECT sqlite_version()"
	if d.dialect == Postgres {
		q = "SHOW server_version"
	}
	var v string
	err := d.r.NewRaw(q).Scan(ctx, &v)
	return v, err
}

// CohortPeriod is the retention of one cohort: the local users who signed
// up in a period, and how many of them posted in it and each later period.
type CohortPeriod struct {
	Start  time.Time
	Size   int64
	Active []int64 // per period from Start on: members who posted
}

// AdminRetention builds cohorts of users by sign-up period (day or month)
// from start to end, with activity (posting) per period up to end.
func (d *DB) AdminRetention(ctx context.Context, start, end time.Time, monthly bool) ([]CohortPeriod, error) {
	periodOf := func(t time.Time) time.Time {
		t = t.UTC()
		if monthly {
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		return t.Truncate(24 * time.Hour)
	}
	next := func(t time.Time) time.Time {
		if monthly {
			return t.AddDate(0, 1, 0)
		}
		return t.AddDate(0, 0, 1)
	}
	from, until := periodOf(start), next(periodOf(end))
	var users []struct {
		AccountID int64     `bun:"account_id"`
		CreatedAt time.Time `bun:"created_at"`
	}
	if err := d.r.NewRaw(`SELECT account_id, created_at FROM users WHERE created_at >= ? AND created_at < ?`, from, until).Scan(ctx, &users); err != nil {
		return nil, fmt.Errorf("db: retention: %w", err)
	}
	var posts []struct {
		AccountID int64     `bun:"account_id"`
		CreatedAt time.Time `bun:"created_at"`
	}
	if err := d.r.NewRaw(`SELECT s.account_id, s.created_at FROM statuses s JOIN users u ON u.account_id = s.account_id
		WHERE u.created_at >= ? AND u.created_at < ? AND s.created_at >= ? AND s.created_at < ?`, from, until, from, until).Scan(ctx, &posts); err != nil {
		return nil, fmt.Errorf("db: retention: %w", err)
	}
	cohortOf := map[int64]time.Time{}
	for _, u := range users {
		cohortOf[u.AccountID] = periodOf(u.CreatedAt)
	}
	active := map[time.Time]map[time.Time]map[int64]bool{} // cohort → period → accounts
	for _, p := range posts {
		c, period := cohortOf[p.AccountID], periodOf(p.CreatedAt)
		if period.Before(c) {
			continue
		}
		if active[c] == nil {
			active[c] = map[time.Time]map[int64]bool{}
		}
		if active[c][period] == nil {
			active[c][period] = map[int64]bool{}
		}
		active[c][period][p.AccountID] = true
	}
	var out []CohortPeriod
	for c := from; c.Before(until); c = next(c) {
		cp := CohortPeriod{Start: c}
		for _, u := range users {
			if periodOf(u.CreatedAt).Equal(c) {
				cp.Size++
			}
		}
		for p := c; p.Before(until); p = next(p) {
			cp.Active = append(cp.Active, int64(len(active[c][p])))
		}
		out = append(out, cp)
	}
	return out, nil
}
