package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// HomeTimeline is what a local account follows: its own statuses, those of
// accounts it follows (their boosts unless it turned them off; their replies
// only to people it follows too, as Mastodon does), and statuses with
// hashtags it follows — visible to it, without muted accounts.
//
// Pages are read from the account's home feed (home_feed.go), newest or
// oldest first along its primary key, with the home rule, visibility and
// mutes applied to each row in the same query: rows that no longer pass are
// skipped and the query reads on, so a page is full unless the feed runs
// out; the feed is bounded (the trim), so is that walk. Below the feed's
// floor the page goes on with the scan of statuses (the query HomeTimeline
// ran before the feed existed). Both statements are prepared once (per
// connection) and run with the viewer, the time and the page as parameters:
// planning the long query took longer than running it (bench/hometimeline).
func (d *DB) HomeTimeline(ctx context.Context, viewer int64, p Page) ([]*Status, error) {
	if viewer == 0 {
		return []*Status{}, nil // nobody's home; and the statement is built for a signed-in viewer
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	floor, err := d.homeFeedFloor(ctx, viewer)
	if err != nil {
		return nil, err
	}
	// Ids in (lower, upper), 0 meaning unbounded; the feed answers for ids
	// >= floor, the scan for ids < floor.
	lower, upper := max(p.SinceID, p.MinID), p.MaxID
	feedLower := lower
	if floor > 0 {
		feedLower = max(lower, floor-1)
	}
	scanUpper := floor
	if upper > 0 && upper < floor {
		scanUpper = upper
	}
	hasFeed := upper == 0 || upper > floor
	hasScan := floor > 0 && (lower == 0 || lower < scanUpper-1)
	asc := p.ascending()
	var list []*Status
	// Newest first, the feed's part comes first; oldest first (min_id),
	// the scan's.
	for _, fromFeed := range []bool{!asc, asc} {
		if len(list) >= limit || (fromFeed && !hasFeed) || (!fromFeed && !hasScan) {
			continue
		}
		var part []*Status
		if fromFeed {
			part, err = d.homeStatuses(ctx, viewer, true, feedLower, upper, asc, limit-len(list))
		} else {
			part, err = d.homeStatuses(ctx, viewer, false, lower, scanUpper, asc, limit-len(list))
		}
		if err != nil {
			return nil, fmt.Errorf("db: home timeline: %w", err)
		}
		list = append(list, part...)
	}
	return newestFirst(p, list), nil
}

// homeStatuses runs one of HomeTimeline's prepared statements: the
// viewer's home feed (fromFeed) or the scan of statuses, for ids in
// (lower, upper) (0: unbounded), ascending or descending, at most limit.
// One statement per shape of page: bounds that are not given stay out of
// the SQL, so PostgreSQL's generic plan is costed like the real one.
func (d *DB) homeStatuses(ctx context.Context, viewer int64, fromFeed bool, lower, upper int64, asc bool, limit int) ([]*Status, error) {
	args := []any{viewer, d.timeParam(now()), limit}
	key := fmt.Sprintf("home feed=%t max=%t lower=%t asc=%t", fromFeed, upper > 0, lower > 0, asc)
	if upper > 0 {
		args = append(args, upper)
	}
	if lower > 0 {
		args = append(args, lower)
	}
	build := func() (string, error) {
		v := Viewer{AccountID: viewer, idParam: param(1), nowParam: param(2)}
		q := d.r.NewSelect().Model((*Status)(nil))
		col := "s.id"
		if fromFeed {
			q = homeFeedFrom(q, param(1))
			col = "hfeed.status_id"
		}
		q = homeTimelineWhere(q.Relation("Account"), v)
		n := 4
		if upper > 0 {
			q = q.Where(col+" < ?", param(n))
			n++
		}
		if lower > 0 {
			q = q.Where(col+" > ?", param(n))
		}
		if asc {
			q = q.OrderExpr(col + " ASC")
		} else {
			q = q.OrderExpr(col + " DESC")
		}
		return q.String() + " LIMIT " + d.placeholder(3), nil
	}
	return d.preparedStatuses(ctx, key, build, args...)
}

// homeFeedFrom makes a query of statuses s read them through the rows of
// viewer's home feed (alias hfeed).
func homeFeedFrom(q *bun.SelectQuery, viewer any) *bun.SelectQuery {
	return q.ModelTableExpr("home_feed AS hfeed JOIN statuses AS s ON s.id = hfeed.status_id").Where("hfeed.account_id = ?", viewer)
}

// homeTimelineWhere adds HomeTimeline's conditions to a query of statuses
// s: the home rule (onHomeOf, which the streaming user stream shares),
// visibility and mutes.
func homeTimelineWhere(q *bun.SelectQuery, v Viewer) *bun.SelectQuery {
	home, args := onHomeOf("s", boundViewer(v))
	q = whereVisible(q.Where(home, args...), "s", v)
	cond, margs := notMutedBy("s", v)
	return q.Where(cond, margs...)
}

// homeTimelineQuery is the home timeline as one scan of statuses, with its
// values written in: what HomeTimeline ran before the home feed, and what
// the tests hold the feed to.
func (d *DB) homeTimelineQuery(list *[]*Status, viewer int64, p Page) *bun.SelectQuery {
	q := homeTimelineWhere(d.r.NewSelect().Model(list).Relation("Account"), ViewerOf(viewer))
	return p.apply(q, "s.id")
}

// homeFeedQuery is HomeTimeline's first statement, from the home feed,
// with its values written in (ExplainHomeTimeline shows its plan).
func (d *DB) homeFeedQuery(list *[]*Status, viewer int64, p Page) *bun.SelectQuery {
	q := homeFeedFrom(d.r.NewSelect().Model(list), viewer)
	q = homeTimelineWhere(q.Relation("Account"), ViewerOf(viewer))
	return p.apply(q, "hfeed.status_id")
}

// PublicTimelineFilter selects the public timelines.
type PublicTimelineFilter struct {
	Local     bool // only this instance's statuses
	Remote    bool // only other instances'
	OnlyMedia bool
}

// PublicTimeline lists public original statuses (never unlisted, never
// boosts), newest first.
func (d *DB) PublicTimeline(ctx context.Context, v Viewer, f PublicTimelineFilter, p Page) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).Relation("Account").Where("s.visibility = 0 AND s.reblog_of_id IS NULL")
	q = applyPublicFilter(q, f)
	q = whereVisible(q, "s", v)
	cond, args := notMutedBy("s", v)
	q = q.Where(cond, args...)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: public timeline: %w", err)
	}
	return newestFirst(p, list), nil
}

func applyPublicFilter(q *bun.SelectQuery, f PublicTimelineFilter) *bun.SelectQuery {
	if f.Local && !f.Remote {
		q = q.Where("s.local = TRUE")
	}
	if f.Remote && !f.Local {
		q = q.Where("s.local = FALSE")
	}
	if f.OnlyMedia {
		q = q.Where("s.has_media = TRUE")
	}
	return q
}
