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

// homeTimelineWhere adds HomeTimeline's conditions to a query of statuses s.
func homeTimelineWhere(q *bun.SelectQuery, v Viewer) *bun.SelectQuery {
	id := v.idArg()
	q = q.Where(`(s.account_id = ?
			OR (EXISTS (SELECT 1 FROM follows hf WHERE hf.account_id = ? AND hf.target_account_id = s.account_id AND hf.accepted = TRUE
					AND (s.reblog_of_id IS NULL OR hf.show_reblogs = TRUE))
				AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = ?
					OR EXISTS (SELECT 1 FROM follows hr WHERE hr.account_id = ? AND hr.target_account_id = s.in_reply_to_account_id AND hr.accepted = TRUE)))
			OR (s.reblog_of_id IS NULL AND s.visibility = 0 AND EXISTS (SELECT 1 FROM status_tags hst JOIN followed_tags hft ON hft.tag_id = hst.tag_id
				WHERE hst.status_id = s.id AND hft.account_id = ?`+perRow+`)))`, id, id, id, id, id).
		// A boost of one's own post, or a second boost of a post already
		// shown, is noise; Mastodon hides boosts of the viewer's own posts.
		Where(`(s.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses ho WHERE ho.id = s.reblog_of_id AND ho.account_id = ?`+perRow+`))`, id)
	q = whereVisible(q, "s", v)
	cond, args := notMutedBy("s", v)
	return q.Where(cond, args...)
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
