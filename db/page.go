package db

import (
	"context"
	"fmt"
	"slices"
	"time"

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

// accountRow is an account with the ID of the row that lists it (a follow,
// block or mute), which is the page cursor.
type accountRow struct {
	Cursor    int64      `bun:"row_cursor"`
	ExpiresAt *time.Time `bun:"row_expires_at"`
	Account   `bun:",extend"`
}

// accountPage lists the accounts joined from table (alias r) on r.joinCol,
// newest row first, with the row IDs as cursors.
func (d *DB) accountPage(ctx context.Context, table, joinCol, expires string, p Page, where string, args ...any) ([]*Account, []int64, []*time.Time, error) {
	var rows []accountRow
	q := d.r.NewSelect().TableExpr(table+" AS r").ColumnExpr("r.id AS row_cursor, "+expires+" AS row_expires_at, a.*").
		Join("JOIN accounts AS a ON a.id = r."+joinCol).Where(where, args...)
	if err := p.apply(q, "r.id").Scan(ctx, &rows); err != nil {
		return nil, nil, nil, fmt.Errorf("db: %s page: %w", table, err)
	}
	rows = newestFirst(p, rows)
	accts := make([]*Account, len(rows))
	cursors := make([]int64, len(rows))
	expiry := make([]*time.Time, len(rows))
	for i := range rows {
		a := rows[i].Account
		accts[i], cursors[i], expiry[i] = &a, rows[i].Cursor, rows[i].ExpiresAt
	}
	return accts, cursors, expiry, nil
}

// cursorRow is an item of a page keyed by another table's id (a bookmark,
// a favourite, a boost) pointing at a status or an account.
type cursorRow struct {
	Cursor int64 `bun:"cursor"`
	Target int64 `bun:"target"`
}

// statusesByCursor loads the statuses of cursor rows, in the rows' order.
func (d *DB) statusesByCursor(ctx context.Context, p Page, rows []cursorRow) ([]*Status, []int64, error) {
	rows = newestFirst(p, rows)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.Target
	}
	byID, err := d.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	list := make([]*Status, 0, len(rows))
	cursors := make([]int64, 0, len(rows))
	for _, r := range rows {
		if s := byID[r.Target]; s != nil {
			list = append(list, s)
			cursors = append(cursors, r.Cursor)
		}
	}
	return list, cursors, nil
}

// accountsByCursor loads the accounts of cursor rows, in the rows' order.
func (d *DB) accountsByCursor(ctx context.Context, p Page, rows []cursorRow) ([]*Account, []int64, error) {
	rows = newestFirst(p, rows)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.Target
	}
	byID, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	list := make([]*Account, 0, len(rows))
	cursors := make([]int64, 0, len(rows))
	for _, r := range rows {
		if a := byID[r.Target]; a != nil {
			list = append(list, a)
			cursors = append(cursors, r.Cursor)
		}
	}
	return list, cursors, nil
}

// excludedFor hides accounts a viewer blocks, mutes or is blocked by, and
// suspended ones (Mastodon's "not excluded by account").
func excludedFor(q *bun.SelectQuery, alias string, v Viewer) *bun.SelectQuery {
	q = q.Where("NOT EXISTS (SELECT 1 FROM accounts xa WHERE xa.id = " + alias + " AND xa.suspended_at IS NOT NULL)")
	if v.AccountID == 0 {
		return q
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM blocks xb WHERE (xb.account_id = ? AND xb.target_account_id = "+alias+") OR (xb.account_id = "+alias+" AND xb.target_account_id = ?))", v.AccountID, v.AccountID).
		Where("NOT EXISTS (SELECT 1 FROM mutes xm WHERE xm.account_id = ? AND xm.target_account_id = "+alias+" AND (xm.expires_at IS NULL OR xm.expires_at > ?))", v.AccountID, now())
}
