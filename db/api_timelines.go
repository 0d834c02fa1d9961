package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// Timelines of the Mastodon API beside home and public (db/timelines.go):
// hashtags, lists and direct messages. Each is one keyset query.

// TagTimelineFilter selects a hashtag timeline: statuses with any of Any
// (the path's tag plus any[]), all of All and none of None.
type TagTimelineFilter struct {
	Any, All, None []string
	PublicTimelineFilter
}

// TagTimeline lists public original statuses with the filter's hashtags
// that v may see, newest first. Unknown tags give an empty timeline.
func (d *DB) TagTimeline(ctx context.Context, v Viewer, f TagTimelineFilter, p Page) ([]*Status, error) {
	anyIDs, err := d.tagIDs(ctx, f.Any)
	if err != nil {
		return nil, err
	}
	if len(anyIDs) == 0 {
		return []*Status{}, nil
	}
	var list []*Status
	q := d.r.NewSelect().Model(&list).Relation("Account").
		Where("s.visibility = 0 AND s.reblog_of_id IS NULL").
		Where("s.id IN (SELECT tst.status_id FROM status_tags tst WHERE tst.tag_id IN (?))", bun.List(anyIDs))
	for _, name := range f.All {
		ids, err := d.tagIDs(ctx, []string{name})
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return []*Status{}, nil
		}
		q = q.Where("EXISTS (SELECT 1 FROM status_tags tal WHERE tal.status_id = s.id AND tal.tag_id = ?)", ids[0])
	}
	noneIDs, err := d.tagIDs(ctx, f.None)
	if err != nil {
		return nil, err
	}
	if len(noneIDs) > 0 {
		q = q.Where("NOT EXISTS (SELECT 1 FROM status_tags tno WHERE tno.status_id = s.id AND tno.tag_id IN (?))", bun.List(noneIDs))
	}
	q = applyPublicFilter(q, f.PublicTimelineFilter)
	q = whereVisible(q, "s", v)
	cond, args := notMutedBy("s", v)
	q = q.Where(cond, args...)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: tag timeline: %w", err)
	}
	return newestFirst(p, list), nil
}

// tagIDs returns the ids of the known tags among names.
func (d *DB) tagIDs(ctx context.Context, names []string) ([]int64, error) {
	var norm []string
	for _, n := range names {
		if n = NormalizeTagName(n); n != "" {
			norm = append(norm, n)
		}
	}
	if len(norm) == 0 {
		return nil, nil
	}
	var ids []int64
	if err := d.r.NewSelect().Table("tags").Column("id").Where("name IN (?)", bun.List(norm)).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("db: tag ids: %w", err)
	}
	return ids, nil
}

// List replies policies: which replies by members a list shows.
const (
	RepliesFollowed = "followed" // replies to anyone the owner follows
	RepliesList     = "list"     // replies to other members of the list
	RepliesNone     = "none"     // no replies (but self-replies and replies to the owner)
)

// ListRepliesPolicy returns the replies policy of a list owned by ownerID;
// ErrNotFound for an unknown list or another account's list.
func (d *DB) ListRepliesPolicy(ctx context.Context, listID, ownerID int64) (string, error) {
	var policy string
	err := d.r.NewSelect().Table("lists").Column("replies_policy").
		Where("id = ? AND account_id = ?", listID, ownerID).Scan(ctx, &policy)
	return policy, notFound(err)
}

// ListTimeline lists the statuses (and boosts) of a list's members that its
// owner may see, newest first, with replies as the list's policy says.
func (d *DB) ListTimeline(ctx context.Context, owner, listID int64, policy string, p Page) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).Relation("Account").
		Where("s.account_id IN (SELECT la.account_id FROM list_accounts la WHERE la.list_id = ?)", listID).
		// Boosts follow the owner's "show boosts" choice for the member.
		Where("(s.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM follows lf WHERE lf.account_id = ? AND lf.target_account_id = s.account_id AND lf.show_reblogs = FALSE))", owner)
	replies := "s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = ?"
	switch policy {
	case RepliesFollowed:
		q = q.Where("("+replies+" OR EXISTS (SELECT 1 FROM follows lr WHERE lr.account_id = ? AND lr.target_account_id = s.in_reply_to_account_id AND lr.accepted = TRUE))", owner, owner)
	case RepliesNone:
		q = q.Where("("+replies+")", owner)
	default: // list
		q = q.Where("("+replies+" OR EXISTS (SELECT 1 FROM list_accounts lm WHERE lm.list_id = ? AND lm.account_id = s.in_reply_to_account_id))", owner, listID)
	}
	v := ViewerOf(owner)
	q = whereVisible(q, "s", v)
	cond, args := notMutedBy("s", v)
	q = q.Where(cond, args...)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: list timeline: %w", err)
	}
	return newestFirst(p, list), nil
}

// DirectTimeline lists direct statuses the viewer wrote or is mentioned
// in, newest first.
func (d *DB) DirectTimeline(ctx context.Context, viewer int64, p Page) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).Relation("Account").
		Where("s.visibility = 3 AND s.reblog_of_id IS NULL").
		Where("(s.account_id = ? OR s.id IN (SELECT dm.status_id FROM status_mentions dm WHERE dm.account_id = ?))", viewer, viewer)
	v := ViewerOf(viewer)
	q = whereVisible(q, "s", v)
	cond, args := notMutedBy("s", v)
	q = q.Where(cond, args...)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: direct timeline: %w", err)
	}
	return newestFirst(p, list), nil
}

// ExplainHomeTimeline returns the plan of HomeTimeline's query for a viewer
// and page: EXPLAIN ANALYZE on PostgreSQL (it runs the query), EXPLAIN
// QUERY PLAN on SQLite. The query is the one from the home feed, or with
// scan the scan of statuses that serves pages below the feed's floor. For
// benchmarks and diagnosis only.
func (d *DB) ExplainHomeTimeline(ctx context.Context, viewer int64, p Page, scan bool) (string, error) {
	var list []*Status
	query := d.homeFeedQuery(&list, viewer, p).String()
	if scan {
		query = d.homeTimelineQuery(&list, viewer, p).String()
	}
	prefix := "EXPLAIN QUERY PLAN "
	if d.dialect == Postgres {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	// The query is already formatted: run it on database/sql, past bun's
	// placeholder handling.
	rows, err := d.r.DB.QueryContext(ctx, prefix+query)
	if err != nil {
		return "", fmt.Errorf("db: explain home timeline: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(query + "\n\n")
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		if d.dialect == Postgres {
			fmt.Fprintf(&b, "%s\n", vals[0])
			continue
		}
		// SQLite: id, parent, notused, detail; indent by depth.
		fmt.Fprintf(&b, "%v %v %s\n", vals[0], vals[1], vals[len(vals)-1])
	}
	return b.String(), rows.Err()
}
