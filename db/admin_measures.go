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
// [start, end): languages of local posts, servers of remote posts.
var dimensionSQL = map[string]string{
	"languages": `SELECT s.language AS key, count(*) AS value FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE a.domain = '' AND s.language <> '' AND s.created_at >= ? AND s.created_at < ? GROUP BY s.language ORDER BY value DESC, key LIMIT ?`,
	"servers": `SELECT a.domain AS key, count(*) AS value FROM statuses s JOIN accounts a ON a.id = s.account_id
		WHERE a.domain <> '' AND s.created_at >= ? AND s.created_at < ? GROUP BY a.domain ORDER BY value DESC, key LIMIT ?`,
}

// AdminDimension returns the most frequent values of a dimension
// ("languages" or "servers") from start to end (both days included).
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
