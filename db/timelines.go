package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
	// Ids in (lower, upper), 0 meaning unbounded; the feed answers for ids
	// at or above the viewer's floor, the scan for ids below it. The feed's
	// statement reads the floor itself, so a page that the feed fills —
	// every first page but a new account's — reads no floor of its own
	// (that one-row statement cost a tenth as much as the page's).
	lower, upper := max(p.SinceID, p.MinID), p.MaxID
	asc := p.ascending()
	scan := func(n int) ([]*Status, error) {
		floor, err := d.homeFeedFloor(ctx, viewer)
		if err != nil || floor == 0 {
			return nil, err
		}
		scanUpper := floor
		if upper > 0 && upper < floor {
			scanUpper = upper
		}
		if lower > 0 && lower >= scanUpper-1 {
			return nil, nil
		}
		return d.homeStatuses(ctx, viewer, false, lower, scanUpper, asc, n)
	}
	feed := func(n int) ([]*Status, error) { return d.homeStatuses(ctx, viewer, true, lower, upper, asc, n) }
	// Newest first, the feed's part comes first; oldest first (min_id),
	// the scan's.
	parts := []func(int) ([]*Status, error){feed, scan}
	if asc {
		parts[0], parts[1] = scan, feed
	}
	var list []*Status
	for _, part := range parts {
		if len(list) >= limit {
			break
		}
		got, err := part(limit - len(list))
		if err != nil {
			return nil, fmt.Errorf("db: home timeline: %w", err)
		}
		list = append(list, got...)
	}
	return newestFirst(p, list), nil
}

// homeStatuses runs one of HomeTimeline's prepared statements: the
// viewer's home feed from its floor (fromFeed) or the scan of statuses,
// for ids in (lower, upper) (0: unbounded), ascending or descending, at
// most limit.
// One statement per shape of page: bounds that are not given stay out of
// the SQL, so PostgreSQL's generic plan is costed like the real one.
func (d *DB) homeStatuses(ctx context.Context, viewer int64, fromFeed bool, lower, upper int64, asc bool, limit int) ([]*Status, error) {
	args := []any{viewer, d.timeParam(now())}
	// The limit is written in, not bound: SQLite re-prepares a statement
	// on every run when its LIMIT is a bound value (it plans for the value).
	key := fmt.Sprintf("home feed=%t max=%t lower=%t asc=%t limit=%d", fromFeed, upper > 0, lower > 0, asc, limit)
	if upper > 0 {
		args = append(args, upper)
	}
	if lower > 0 {
		args = append(args, lower)
	}
	build := func() (string, error) {
		v := Viewer{AccountID: viewer, idParam: blindParam(1), nowParam: param(2)}
		q := d.r.NewSelect().Model((*Status)(nil)).ColumnExpr(d.statusSelect("s"))
		col := "s.id"
		if fromFeed {
			q = homeFeedFrom(q, blindParam(1))
			col = "hfeed.status_id"
		}
		q = homeTimelineWhere(q, v)
		n := 3
		if upper > 0 {
			q = q.Where(col+" < ?", blindParam(n))
			n++
		}
		if lower > 0 {
			q = q.Where(col+" > ?", blindParam(n))
		}
		if asc {
			q = q.OrderExpr(col + " ASC")
		} else {
			q = q.OrderExpr(col + " DESC")
		}
		return q.String() + " LIMIT " + strconv.Itoa(limit), nil
	}
	return d.preparedStatuses(ctx, key, build, args...)
}

// homeFeedFrom makes a query of statuses s read them through the rows of
// viewer's home feed (alias hfeed) at or above its floor (none: 0).
func homeFeedFrom(q *bun.SelectQuery, viewer any) *bun.SelectQuery {
	return q.ModelTableExpr("home_feed AS hfeed JOIN statuses AS s ON s.id = hfeed.status_id").Where("hfeed.account_id = ?", viewer).
		Where("hfeed.status_id >= COALESCE((SELECT hff.floor_id FROM home_feed_floors hff WHERE hff.account_id = ?), 0)", viewer)
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
	q = homeTimelineWhere(q, ViewerOf(viewer))
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
	list, err := d.publicStatuses(ctx, v, f, 0, p)
	if err != nil {
		return nil, fmt.Errorf("db: public timeline: %w", err)
	}
	return list, nil
}

// publicStatuses is the public timeline, or with tagID that of one
// hashtag, as a prepared statement per shape of request (as HomeTimeline's):
// the viewer, the time, the tag and the page's bounds are parameters.
func (d *DB) publicStatuses(ctx context.Context, v Viewer, f PublicTimelineFilter, tagID int64, p Page) ([]*Status, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	anon := v.AccountID == 0
	key := fmt.Sprintf("public anon=%t tag=%t local=%t remote=%t media=%t max=%t since=%t min=%t limit=%d",
		anon, tagID > 0, f.Local, f.Remote, f.OnlyMedia, p.MaxID > 0, p.SinceID > 0, p.MinID > 0, limit)
	var args []any
	if !anon {
		args = append(args, v.AccountID, d.timeParam(now()))
	}
	if tagID > 0 {
		args = append(args, tagID)
	}
	for _, bound := range []int64{p.MaxID, p.SinceID, p.MinID} {
		if bound > 0 {
			args = append(args, bound)
		}
	}
	build := func() (string, error) { return d.publicStatusesSQL(v, f, tagID, p, limit), nil }
	list, err := d.preparedStatuses(ctx, key, build, args...)
	if err != nil {
		return nil, err
	}
	return newestFirst(p, list), nil
}

// publicStatusesSQL is publicStatuses' statement for viewers like v:
// v's id (unless anonymous) is ?1 and the time ?2, then the tag and the
// page's bounds.
func (d *DB) publicStatusesSQL(v Viewer, f PublicTimelineFilter, tagID int64, p Page, limit int) string {
	pv, n := Viewer{}, 1
	if v.AccountID != 0 {
		pv, n = Viewer{AccountID: v.AccountID, idParam: blindParam(1), nowParam: param(2)}, 3
	}
	q := d.r.NewSelect().Model((*Status)(nil)).ColumnExpr(d.statusSelect("s")).Where("s.visibility = 0 AND s.reblog_of_id IS NULL")
	col := "s.id"
	switch {
	case tagID > 0:
		// The hashtag's statuses newest first along status_tags' key,
		// each looked up and checked, until the page is full. With the
		// tag as an IN list SQLite looked every original up by
		// statuses_reblog_of_id, checked it against the list and sorted
		// the matches: a cost that grew with the instance, not the tag.
		// CROSS JOIN keeps that order on SQLite; PostgreSQL plans it as a
		// join like any other.
		q = q.ModelTableExpr("status_tags AS tst CROSS JOIN statuses AS s").Where("tst.tag_id = ? AND s.id = tst.status_id", blindParam(n))
		col = "tst.status_id"
		n++
	case d.dialect != Postgres:
		// Without statistics (Kontor does not ANALYZE) SQLite looked
		// the originals up by statuses_reblog_of_id, checked every one
		// and sorted them all for the newest 20; the partial index
		// gives them newest first and the page stops at its limit.
		q = q.ModelTableExpr("statuses AS s INDEXED BY statuses_public")
	}
	q = applyPublicFilter(q, f)
	q = whereVisible(q, "s", pv)
	cond, cargs := notMutedBy("s", pv)
	q = q.Where(cond, cargs...)
	for _, b := range []struct {
		set  bool
		cond string
	}{{p.MaxID > 0, col + " < ?"}, {p.SinceID > 0, col + " > ?"}, {p.MinID > 0, col + " > ?"}} {
		if b.set {
			q = q.Where(b.cond, blindParam(n))
			n++
		}
	}
	if p.ascending() {
		q = q.OrderExpr(col + " ASC")
	} else {
		q = q.OrderExpr(col + " DESC")
	}
	return q.String() + " LIMIT " + strconv.Itoa(limit)
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
	if len(anyIDs) == 1 && len(f.All) == 0 && len(f.None) == 0 {
		list, err := d.publicStatuses(ctx, v, f.PublicTimelineFilter, anyIDs[0], p)
		if err != nil {
			return nil, fmt.Errorf("db: tag timeline: %w", err)
		}
		return list, nil
	}
	var list []*Status
	q := d.r.NewSelect().Model(&list).
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
	return newestFirst(p, list), d.withAuthors(ctx, list)
}

// tagIDs returns the ids of the known tags among names.
func (d *DB) tagIDs(ctx context.Context, names []string) ([]int64, error) {
	var norm []string
	for _, n := range names {
		if n = NormalizeTagName(n); n != "" && !slices.Contains(norm, n) {
			norm = append(norm, n)
		}
	}
	if len(norm) == 0 {
		return nil, nil
	}
	var ids []int64
	var missing []string
	for _, n := range norm {
		if id, ok := d.reads.tagIDs.get(n); ok {
			ids = append(ids, id)
		} else {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return ids, nil
	}
	var rows []struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
	}
	if err := d.r.NewSelect().Table("tags").Column("id", "name").Where("name IN (?)", bun.List(missing)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("db: tag ids: %w", err)
	}
	for _, r := range rows {
		d.reads.tagIDs.put(r.Name, r.ID, 0)
		ids = append(ids, r.ID)
	}
	return ids, nil
}

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
	q := d.r.NewSelect().Model(&list).
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
	return newestFirst(p, list), d.withAuthors(ctx, list)
}

// DirectTimeline lists direct statuses the viewer wrote or is mentioned
// in, newest first.
func (d *DB) DirectTimeline(ctx context.Context, viewer int64, p Page) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).
		Where("s.visibility = 3 AND s.reblog_of_id IS NULL").
		Where("(s.account_id = ? OR s.id IN (SELECT dm.status_id FROM status_mentions dm WHERE dm.account_id = ?))", viewer, viewer)
	v := ViewerOf(viewer)
	q = whereVisible(q, "s", v)
	cond, args := notMutedBy("s", v)
	q = q.Where(cond, args...)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: direct timeline: %w", err)
	}
	return newestFirst(p, list), d.withAuthors(ctx, list)
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

// AccountStatusesFilter narrows an account's statuses (the profile tabs).
type AccountStatusesFilter struct {
	ExcludeReplies bool
	ExcludeReblogs bool
	OnlyMedia      bool
	Pinned         bool
	Tagged         string // hashtag name
	PublicOnly     bool   // only public and unlisted, whatever the viewer may see (outbox)
	ListedOnly     bool   // only public, never unlisted (feeds)
}

// AccountStatuses returns an account's statuses that v may see, newest first.
func (d *DB) AccountStatuses(ctx context.Context, accountID int64, v Viewer, f AccountStatusesFilter, p Page) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).Where("s.account_id = ?", accountID)
	if f.ExcludeReplies {
		// Self-replies (threads) stay, as on Mastodon profiles.
		q = q.Where("(s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)")
	}
	if f.ExcludeReblogs {
		q = q.Where("s.reblog_of_id IS NULL")
	}
	if f.OnlyMedia {
		q = q.Where("s.has_media = TRUE")
	}
	if f.Pinned {
		q = q.Where("EXISTS (SELECT 1 FROM pins pn WHERE pn.status_id = s.id AND pn.account_id = s.account_id)")
	}
	if f.Tagged != "" {
		q = q.Where("EXISTS (SELECT 1 FROM status_tags st JOIN tags tg ON tg.id = st.tag_id WHERE st.status_id = s.id AND tg.name = ?)", NormalizeTagName(f.Tagged))
	}
	if f.PublicOnly {
		q = q.Where("s.visibility <= 1")
	}
	if f.ListedOnly {
		q = q.Where("s.visibility = 0")
	}
	q = whereVisible(q, "s", v)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: account statuses: %w", err)
	}
	return newestFirst(p, list), d.withAuthors(ctx, list)
}

// CountPublicStatuses counts an account's public and unlisted originals and boosts (outbox totalItems).
func (d *DB) CountPublicStatuses(ctx context.Context, accountID int64) (int, error) {
	n, err := d.r.NewSelect().Model((*Status)(nil)).Where("account_id = ? AND visibility <= 1", accountID).Count(ctx)
	return int(n), err
}

// StatusReplies returns replies to a status that v may see, oldest first.
func (d *DB) StatusReplies(ctx context.Context, statusID int64, v Viewer, limit int) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).Where("s.in_reply_to_id = ?", statusID)
	err := whereVisible(q, "s", v).Order("s.id ASC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: replies: %w", err)
	}
	return list, d.withAuthors(ctx, list)
}
