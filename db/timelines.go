package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// HomeTimeline is what a local account follows: its own statuses, those of
// accounts it follows (their boosts unless it turned them off; their replies
// only to people it follows too, as Mastodon does), and statuses with
// hashtags it follows — visible to it, without muted accounts. One keyset
// query: no ID lists are built in Go. It is prepared once (per connection)
// and run with the viewer, the time and the page as parameters: planning
// the long query took longer than running it (bench/hometimeline).
func (d *DB) HomeTimeline(ctx context.Context, viewer int64, p Page) ([]*Status, error) {
	if viewer == 0 {
		return []*Status{}, nil // nobody's home; and the statement is built for a signed-in viewer
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	// One statement per shape of page: bounds that are not given stay out
	// of the SQL, so PostgreSQL's generic plan is costed like the real one.
	lower := max(p.SinceID, p.MinID)
	args := []any{viewer, d.timeParam(now()), limit}
	key := fmt.Sprintf("home max=%t lower=%t asc=%t", p.MaxID > 0, lower > 0, p.ascending())
	if p.MaxID > 0 {
		args = append(args, p.MaxID)
	}
	if lower > 0 {
		args = append(args, lower)
	}
	build := func() (string, error) {
		v := Viewer{AccountID: viewer, idParam: param(1), nowParam: param(2)}
		q := homeTimelineWhere(d.r.NewSelect().Model((*Status)(nil)).Relation("Account"), v)
		n := 4
		if p.MaxID > 0 {
			q = q.Where("s.id < ?", param(n))
			n++
		}
		if lower > 0 {
			q = q.Where("s.id > ?", param(n))
		}
		if p.ascending() {
			q = q.OrderExpr("s.id ASC")
		} else {
			q = q.OrderExpr("s.id DESC")
		}
		return q.String() + " LIMIT " + d.placeholder(3), nil
	}
	list, err := d.preparedStatuses(ctx, key, build, args...)
	if err != nil {
		return nil, fmt.Errorf("db: home timeline: %w", err)
	}
	return newestFirst(p, list), nil
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

// homeTimelineQuery is HomeTimeline's query with its values written in
// (ExplainHomeTimeline shows its plan).
func (d *DB) homeTimelineQuery(list *[]*Status, viewer int64, p Page) *bun.SelectQuery {
	q := homeTimelineWhere(d.r.NewSelect().Model(list).Relation("Account"), ViewerOf(viewer))
	return p.apply(q, "s.id")
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
