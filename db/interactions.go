package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// InteractionsOfViewers is ViewerInteractions for many viewers at once (at
// most five queries): what each of them did to statusIDs and which of
// threadIDs each muted. Every viewer gets an entry; its maps stay nil while
// empty (reading a nil map is fine).
func (d *DB) InteractionsOfViewers(ctx context.Context, viewers, statusIDs, threadIDs []int64) (map[int64]*Interactions, error) {
	out := make(map[int64]*Interactions, len(viewers))
	for _, v := range viewers {
		out[v] = &Interactions{}
	}
	if len(viewers) == 0 {
		return out, nil
	}
	load := func(query string, set func(*Interactions) *map[int64]bool, args ...any) error {
		var rows []struct {
			AccountID int64 `bun:"account_id"`
			ID        int64 `bun:"id"`
		}
		if err := d.r.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
			return fmt.Errorf("db: interactions of viewers: %w", err)
		}
		for _, r := range rows {
			if in := out[r.AccountID]; in != nil {
				m := set(in)
				if *m == nil {
					*m = map[int64]bool{}
				}
				(*m)[r.ID] = true
			}
		}
		return nil
	}
	vs := bun.List(viewers)
	if len(statusIDs) > 0 {
		ids := bun.List(statusIDs)
		for _, q := range []struct {
			query string
			set   func(*Interactions) *map[int64]bool
		}{
			{"SELECT account_id, status_id AS id FROM favourites WHERE account_id IN (?) AND status_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Favourited }},
			{"SELECT account_id, reblog_of_id AS id FROM statuses WHERE account_id IN (?) AND reblog_of_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Reblogged }},
			{"SELECT account_id, status_id AS id FROM bookmarks WHERE account_id IN (?) AND status_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Bookmarked }},
			{"SELECT account_id, status_id AS id FROM pins WHERE account_id IN (?) AND status_id IN (?)",
				func(in *Interactions) *map[int64]bool { return &in.Pinned }},
		} {
			if err := load(q.query, q.set, vs, ids); err != nil {
				return nil, err
			}
		}
	}
	if len(threadIDs) > 0 {
		if err := load("SELECT account_id, thread_id AS id FROM thread_mutes WHERE account_id IN (?) AND thread_id IN (?)",
			func(in *Interactions) *map[int64]bool { return &in.MutedThreads }, vs, bun.List(threadIDs)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Interactions are what a viewer did to a set of statuses.
type Interactions struct {
	Favourited, Reblogged, Bookmarked, Pinned map[int64]bool
	MutedThreads                              map[int64]bool // by thread ID
	// HasFilters: the viewer has an unexpired filter (asked for with
	// ViewerInteractions' withFilters).
	HasFilters bool
}

// ViewerInteractions loads the viewer's favourites, boosts, bookmarks, pins
// and muted threads among statuses (and threads), and with withFilters
// whether the viewer has any active filter: most have none, and a page
// then needs no query for them. Maps with nothing found may be nil.
func (d *DB) ViewerInteractions(ctx context.Context, viewer int64, statusIDs, threadIDs []int64, withFilters bool) (*Interactions, error) {
	if viewer == 0 || len(statusIDs) == 0 {
		return &Interactions{}, nil
	}
	// One round trip for the five relations: a page is rendered on every
	// timeline request. The ids go in as a range when the page spans little
	// time (idsWithin): SQLite builds a temporary index for each IN list,
	// which cost six times the lookups themselves (bench/readpath profile).
	statuses, threads := idsWithin(statusIDs), idsWithin(threadIDs)
	if !statuses.in && (len(threadIDs) == 0 || !threads.in) {
		return d.rangeInteractions(ctx, viewer, statuses, threads, withFilters)
	}
	// Boosts are read through the viewer's boosts by boosted id
	// (statuses_account_boosts), so a range reads only the viewer's own.
	query := `SELECT 1 AS kind, status_id AS id FROM favourites WHERE account_id = ? AND ` + statuses.cond("status_id") + `
		UNION ALL SELECT 2, reblog_of_id FROM statuses WHERE account_id = ? AND reblog_of_id IS NOT NULL AND ` + statuses.cond("reblog_of_id") + `
		UNION ALL SELECT 3, status_id FROM bookmarks WHERE account_id = ? AND ` + statuses.cond("status_id") + `
		UNION ALL SELECT 4, status_id FROM pins WHERE account_id = ? AND ` + statuses.cond("status_id")
	args := append([]any{viewer}, statuses.args...)
	for range 3 {
		args = append(append(args, viewer), statuses.args...)
	}
	if len(threadIDs) > 0 {
		query += ` UNION ALL SELECT 5, thread_id FROM thread_mutes WHERE account_id = ? AND ` + threads.cond("thread_id")
		args = append(append(args, viewer), threads.args...)
	}
	if withFilters {
		query += ` UNION ALL SELECT 6, 0 WHERE EXISTS (SELECT 1 FROM filters AS fl WHERE fl.account_id = ? AND ` + activeFilter + `)`
		args = append(args, viewer, now())
	}
	var rows []struct {
		Kind int   `bun:"kind"`
		ID   int64 `bun:"id"`
	}
	if err := d.r.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("db: interactions: %w", err)
	}
	in := new(Interactions)
	for _, r := range rows {
		in.add(r.Kind, r.ID, statuses, threads)
	}
	return in, nil
}

// rangeInteractions is ViewerInteractions for statuses and threads that
// are ranges of ids (one status is a range of one: GET /api/v1/statuses/:id
// and every single-status answer): a statement prepared once, its rows
// scanned by hand. Through bun the same query cost half again as much as
// running it (formatting, taking the values back out for the statement
// cache, reflection), and it runs for every page of every timeline.
func (d *DB) rangeInteractions(ctx context.Context, viewer int64, statuses, threads idSet, withFilters bool) (*Interactions, error) {
	key := "interactions of a range"
	args := append([]any{viewer}, statuses.args...)
	if threads.in { // no threads asked: a range of none
		args = append(args, 1, 0)
	} else {
		args = append(args, threads.args...)
	}
	if withFilters {
		key, args = key+" with filters", append(args, d.timeParam(now()))
	}
	stmt, err := d.statement(ctx, key, func() (string, error) {
		// Blind placeholders: the planner picks the same indexes for any
		// viewer and ids, and SQLite then prepares the statement once.
		v, lo, hi := d.blindPlaceholder(1), d.blindPlaceholder(2), d.blindPlaceholder(3)
		within := " BETWEEN " + lo + " AND " + hi
		query := `SELECT 1, status_id FROM favourites WHERE account_id = ` + v + ` AND status_id` + within + `
		UNION ALL SELECT 2, reblog_of_id FROM statuses WHERE account_id = ` + v + ` AND reblog_of_id IS NOT NULL AND reblog_of_id` + within + `
		UNION ALL SELECT 3, status_id FROM bookmarks WHERE account_id = ` + v + ` AND status_id` + within + `
		UNION ALL SELECT 4, status_id FROM pins WHERE account_id = ` + v + ` AND status_id` + within + `
		UNION ALL SELECT 5, thread_id FROM thread_mutes WHERE account_id = ` + v + ` AND thread_id BETWEEN ` +
			d.blindPlaceholder(4) + ` AND ` + d.blindPlaceholder(5)
		if withFilters {
			query += ` UNION ALL SELECT 6, 0 WHERE EXISTS (SELECT 1 FROM filters AS fl WHERE fl.account_id = ` + v +
				` AND ` + strings.Replace(activeFilter, "?", d.placeholder(6), 1) + `)`
		}
		return query, nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: interactions: %w", err)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("db: interactions: %w", err)
	}
	defer rows.Close()
	in := new(Interactions)
	for rows.Next() {
		var kind int
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return nil, fmt.Errorf("db: interactions: %w", err)
		}
		in.add(kind, id, statuses, threads)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: interactions: %w", err)
	}
	return in, nil
}

// add records one row of ViewerInteractions' query: kind 1–4 a status
// (favourited, boosted, bookmarked, pinned), 5 a muted thread, 6 an active
// filter. A range also finds ids that were not asked for: those are left out.
func (in *Interactions) add(kind int, id int64, statuses, threads idSet) {
	var set *map[int64]bool
	asked := statuses
	switch kind {
	case 1:
		set = &in.Favourited
	case 2:
		set = &in.Reblogged
	case 3:
		set = &in.Bookmarked
	case 4:
		set = &in.Pinned
	case 5:
		set, asked = &in.MutedThreads, threads
	case 6:
		in.HasFilters = true
		return
	default:
		return
	}
	if !asked.has(id) {
		return
	}
	if *set == nil {
		*set = map[int64]bool{}
	}
	(*set)[id] = true
}

// rangeSpan is the most time a page's ids may span to be looked up as a
// range: a viewer's favourites (bookmarks, pins) within a day of statuses
// are few, so reading them all costs less than an IN list.
const rangeSpan = 24 * time.Hour

// idSet is a set of ids as a query condition: a range when they span at
// most rangeSpan, else an IN list.
type idSet struct {
	ids  map[int64]bool
	args []any
	in   bool
}

func idsWithin(ids []int64) idSet {
	set := idSet{ids: make(map[int64]bool, len(ids))}
	if len(ids) == 0 {
		set.in, set.args = true, []any{bun.List([]int64{0})}
		return set
	}
	lo, hi := ids[0], ids[0]
	for _, id := range ids {
		set.ids[id] = true
		lo, hi = min(lo, id), max(hi, id)
	}
	if IDTime(hi).Sub(IDTime(lo)) <= rangeSpan {
		set.args = []any{lo, hi}
	} else {
		set.in, set.args = true, []any{bun.List(ids)}
	}
	return set
}

func (s idSet) cond(col string) string {
	if s.in {
		return col + " IN (?)"
	}
	return col + " BETWEEN ? AND ?"
}

func (s idSet) has(id int64) bool { return s.ids[id] }
