package db

import (
	"slices"

	"github.com/uptrace/bun"
)

// Page is Mastodon's keyset pagination: max_id (older than, exclusive),
// since_id (newer than, newest first), min_id (the page right after the
// cursor: the oldest newer items, still returned newest first). All may be
// combined. Limit is clamped by the caller.
type Page struct {
	MaxID   int64
	SinceID int64
	MinID   int64
	Limit   int
}

// apply adds the page's bounds and order on an ID column.
func (p Page) apply(q *bun.SelectQuery, col string) *bun.SelectQuery {
	if p.MaxID > 0 {
		q = q.Where(col+" < ?", p.MaxID)
	}
	if p.SinceID > 0 {
		q = q.Where(col+" > ?", p.SinceID)
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	if p.MinID > 0 {
		return q.Where(col+" > ?", p.MinID).OrderExpr(col + " ASC").Limit(int64(limit))
	}
	return q.OrderExpr(col + " DESC").Limit(int64(limit))
}

// ascending reports whether apply ordered oldest first (min_id), in which
// case results must be reversed to newest first.
func (p Page) ascending() bool { return p.MinID > 0 }

// newestFirst puts a min_id page back in Mastodon's order.
func newestFirst[T any](p Page, list []T) []T {
	if p.ascending() {
		slices.Reverse(list)
	}
	return list
}
