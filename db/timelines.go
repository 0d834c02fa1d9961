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
// query: no ID lists are built in Go.
func (d *DB) HomeTimeline(ctx context.Context, viewer int64, p Page) ([]*Status, error) {
	var list []*Status
	home, homeArgs := onHomeOf("s", boundViewer(ViewerOf(viewer)))
	q := d.r.NewSelect().Model(&list).Relation("Account").Where(home, homeArgs...)
	q = whereVisible(q, "s", ViewerOf(viewer))
	cond, args := notMutedBy("s", ViewerOf(viewer))
	q = q.Where(cond, args...)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: home timeline: %w", err)
	}
	return newestFirst(p, list), nil
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
