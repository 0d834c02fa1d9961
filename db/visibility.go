package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// Viewer is who is looking at statuses: a local account, a remote actor
// (the signer of an ActivityPub GET), or nobody (AccountID 0, anonymous).
type Viewer struct {
	AccountID int64

	// idParam and nowParam stand for the account id and the current time
	// in the SQL of a prepared statement (see prepared.go); nil otherwise.
	idParam, nowParam any
}

// idArg is what the SQL compares account ids with: the id, or the
// placeholder of a prepared statement; hidden from SQLite's planner
// (blindID), so that a statement is planned once for every viewer.
func (v Viewer) idArg() any {
	if v.idParam != nil {
		return v.idParam
	}
	return blindID(v.AccountID)
}

// nowArg is the current time in the SQL, or its placeholder.
func (v Viewer) nowArg() any {
	if v.nowParam != nil {
		return v.nowParam
	}
	return now()
}

// Anonymous is the viewer of unauthenticated requests.
var Anonymous = Viewer{}

// ViewerOf is the viewer for an account ID (0 for anonymous).
func ViewerOf(accountID int64) Viewer { return Viewer{AccountID: accountID} }

// viewerSQL is a viewer as the rules below see it: an account ID bound as a
// query argument (one viewer, the usual case), or a column holding account
// IDs (many candidate viewers decided in one query, as streaming does).
type viewerSQL struct {
	column string // e.g. "cand.id"; empty: the bound id
	id     any    // the bound account id (or a prepared statement's placeholder)
	anon   bool
	now    any // the current time (or its placeholder)
}

func boundViewer(v Viewer) viewerSQL {
	return viewerSQL{id: v.idArg(), anon: v.AccountID == 0 && v.idParam == nil, now: v.nowArg()}
}

func columnViewer(col string) viewerSQL { return viewerSQL{column: col, now: now()} }

func (v viewerSQL) anonymous() bool { return v.column == "" && v.anon }

// fill writes a rule's template: {s} is the status alias, {v} the viewer
// (a placeholder and its argument, or the column) and each ? takes the next
// of extra, so arguments always line up with placeholders.
func fill(b *strings.Builder, args *[]any, tmpl, s string, v viewerSQL, extra ...any) {
	for len(tmpl) > 0 {
		switch {
		case strings.HasPrefix(tmpl, "{s}"):
			b.WriteString(s)
			tmpl = tmpl[3:]
		case strings.HasPrefix(tmpl, "{v}"):
			if v.column != "" {
				b.WriteString(v.column)
			} else {
				b.WriteByte('?')
				*args = append(*args, v.id)
			}
			tmpl = tmpl[3:]
		case tmpl[0] == '?':
			b.WriteByte('?')
			*args = append(*args, extra[0])
			extra = extra[1:]
			tmpl = tmpl[1:]
		default:
			b.WriteByte(tmpl[0])
			tmpl = tmpl[1:]
		}
	}
}

// visibleTo is THE visibility rule (../shared/docs/visibility.md): the SQL
// condition under which status alias may be seen by v. Every read path —
// API, streaming, pages, feeds, federation GETs, delivery — goes through it.
//
//   - the author is not suspended, nor limited (silenced) unless the viewer
//     is the author, follows it or is mentioned; and (for a logged-in viewer) neither side
//     blocks the other, and the viewer has not blocked the author's domain;
//   - public and unlisted: everyone; private: the author, accepted followers
//     and mentioned accounts; direct: the author and mentioned accounts;
//   - a boost is visible only if the boosted status is visible too.
func visibleTo(alias string, v Viewer) (string, []any) {
	return visibleToSQL(alias, boundViewer(v))
}

// visibleToColumn is the same rule for the viewer held in a column (e.g.
// "cand.id"), to decide for many candidate viewers in one query.
func visibleToColumn(alias, column string) (string, []any) {
	return visibleToSQL(alias, columnViewer(column))
}

func visibleToSQL(alias string, v viewerSQL) (string, []any) {
	var b strings.Builder
	var args []any
	writeVisible(&b, &args, alias, v, true)
	return b.String(), args
}

// perRow ends an EXISTS subquery whose rows grow with someone's history
// (mentions of the viewer, statuses of an account, the viewer's follows,
// blocks and mutes). "OFFSET 0" keeps PostgreSQL from turning the EXISTS
// into a hashed subplan: it would read every such row once per query to
// build the hash, because the planner sizes subplans for the whole table
// scan and not for the LIMIT that stops a timeline after a page; and each
// hashed subplan is set up at every run of a prepared statement even when
// its guard (unlessNone) means it is never read (the home page's statement:
// a quarter less of PostgreSQL's CPU without them). With it, each status
// costs one index probe. SQLite plans it the same either way.
const perRow = " LIMIT 1 OFFSET 0"

// unlessNone writes a viewer's part of a rule that most viewers have
// nothing for (blocks, mutes, domain blocks): the per-row check, guarded by
// whether the viewer has any such row at all. The guard does not refer to
// the row, so it runs once per execution (SQLite codes it behind a Once
// opcode, PostgreSQL as an InitPlan) and, when the viewer has none, spares
// every row of the page its probes: a viewer without blocks pays one index
// probe per query instead of two per status. It decides nothing the per-row
// check would not: no such row, nothing to hide. For a viewer in a column
// (many candidates in one query) the guard would be per row again, so only
// the check is written.
// Each ? of check takes the next of extra.
func unlessNone(b *strings.Builder, args *[]any, s string, v viewerSQL, guard, check string, extra ...any) {
	if v.column != "" {
		fill(b, args, check, s, v, extra...)
		return
	}
	fill(b, args, "(NOT EXISTS ("+guard+") OR "+check+")", s, v, extra...)
}

func writeVisible(b *strings.Builder, args *[]any, s string, v viewerSQL, withReblog bool) {
	if v.anonymous() {
		fill(b, args, `(NOT EXISTS (SELECT 1 FROM accounts va WHERE va.id = {s}.account_id AND (va.suspended_at IS NOT NULL OR va.silenced_at IS NOT NULL))`, s, v)
	} else {
		fill(b, args, `(NOT EXISTS (SELECT 1 FROM accounts va WHERE va.id = {s}.account_id AND (va.suspended_at IS NOT NULL`+
			` OR (va.silenced_at IS NOT NULL AND va.id <> {v}`+
			` AND NOT EXISTS (SELECT 1 FROM follows vsf WHERE vsf.account_id = {v} AND vsf.target_account_id = va.id AND vsf.accepted = TRUE`+perRow+`)`+
			` AND NOT EXISTS (SELECT 1 FROM status_mentions vsm WHERE vsm.status_id = {s}.id AND vsm.account_id = {v}`+perRow+`))))`, s, v)
	}
	if v.anonymous() {
		fill(b, args, ` AND {s}.visibility <= 1`, s, v)
	} else {
		b.WriteString(` AND `)
		unlessNone(b, args, s, v, `SELECT 1 FROM blocks vgb WHERE vgb.target_account_id = {v}`,
			`NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.account_id = {s}.account_id AND vb.target_account_id = {v}`+perRow+`)`)
		b.WriteString(` AND `)
		unlessNone(b, args, s, v, `SELECT 1 FROM blocks vgb WHERE vgb.account_id = {v}`,
			`NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.account_id = {v} AND vb.target_account_id = {s}.account_id`+perRow+`)`)
		b.WriteString(` AND `)
		unlessNone(b, args, s, v, `SELECT 1 FROM account_domain_blocks vgd WHERE vgd.account_id = {v}`,
			`NOT EXISTS (SELECT 1 FROM account_domain_blocks vd JOIN accounts vda ON vda.domain = vd.domain WHERE vd.account_id = {v} AND vda.id = {s}.account_id`+perRow+`)`)
		fill(b, args, ` AND ({s}.visibility <= 1 OR {s}.account_id = {v}`+
			` OR ({s}.visibility = 2 AND EXISTS (SELECT 1 FROM follows vf WHERE vf.account_id = {v} AND vf.target_account_id = {s}.account_id AND vf.accepted = TRUE`+perRow+`))`+
			` OR EXISTS (SELECT 1 FROM status_mentions vm WHERE vm.status_id = {s}.id AND vm.account_id = {v}`+perRow+`))`, s, v)
	}
	if withReblog {
		fill(b, args, ` AND ({s}.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses {s}r WHERE {s}r.id = {s}.reblog_of_id AND `, s, v)
		writeVisible(b, args, s+"r", v, false)
		b.WriteString(`))`)
	}
	b.WriteString(`)`)
}

// whereVisible adds the visibility rule for alias to a query.
func whereVisible(q *bun.SelectQuery, alias string, v Viewer) *bun.SelectQuery {
	cond, args := visibleTo(alias, v)
	return q.Where(cond, args...)
}

// notMutedBy hides statuses (and boosts) by accounts the viewer mutes, for
// timelines and notifications; direct URLs ignore mutes.
func notMutedBy(alias string, v Viewer) (string, []any) {
	return notMutedBySQL(alias, boundViewer(v))
}

func notMutedBySQL(alias string, v viewerSQL) (string, []any) {
	if v.anonymous() {
		return "TRUE", nil
	}
	var b strings.Builder
	var args []any
	t := v.now
	// An expired mute still counts for the guard: it only sends the rows
	// to the check, which looks at the expiry.
	unlessNone(&b, &args, alias, v, `SELECT 1 FROM mutes vgm WHERE vgm.account_id = {v}`,
		`(NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = {v} AND mu.target_account_id = {s}.account_id AND (mu.expires_at IS NULL OR mu.expires_at > ?)`+perRow+`)`+
			` AND ({s}.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses mr JOIN mutes mu2 ON mu2.target_account_id = mr.account_id WHERE mr.id = {s}.reblog_of_id AND mu2.account_id = {v} AND (mu2.expires_at IS NULL OR mu2.expires_at > ?)`+perRow+`)))`,
		t, t)
	return b.String(), args
}

// onHomeOf is the home timeline's rule (besides visibility and mutes): the
// viewer's own statuses, those of accounts it follows (their boosts unless
// it turned them off; their replies only to people it follows too, as
// Mastodon does), and public statuses with hashtags it follows — but not
// boosts of the viewer's own posts. HomeTimeline and the streaming `user`
// stream both use it.
func onHomeOf(alias string, v viewerSQL) (string, []any) {
	var b strings.Builder
	var args []any
	// Most viewers follow no hashtag: for a bound viewer, that is decided
	// once per query (as unlessNone's guards) before any row's tags are read.
	tagGuard := ""
	if v.column == "" {
		tagGuard = `EXISTS (SELECT 1 FROM followed_tags hgt WHERE hgt.account_id = {v}) AND `
	}
	fill(&b, &args, `({s}.account_id = {v}
			OR (EXISTS (SELECT 1 FROM follows hf WHERE hf.account_id = {v} AND hf.target_account_id = {s}.account_id AND hf.accepted = TRUE
					AND ({s}.reblog_of_id IS NULL OR hf.show_reblogs = TRUE)`+perRow+`)
				AND ({s}.in_reply_to_account_id IS NULL OR {s}.in_reply_to_account_id = {s}.account_id OR {s}.in_reply_to_account_id = {v}
					OR EXISTS (SELECT 1 FROM follows hr WHERE hr.account_id = {v} AND hr.target_account_id = {s}.in_reply_to_account_id AND hr.accepted = TRUE`+perRow+`)))
			OR ({s}.reblog_of_id IS NULL AND {s}.visibility = 0 AND `+tagGuard+`EXISTS (SELECT 1 FROM status_tags hst JOIN followed_tags hft ON hft.tag_id = hst.tag_id
				WHERE hst.status_id = {s}.id AND hft.account_id = {v}`+perRow+`)))`+
		// A boost of one's own post, or a second boost of a post already
		// shown, is noise; Mastodon hides boosts of the viewer's own posts.
		` AND ({s}.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses ho WHERE ho.id = {s}.reblog_of_id AND ho.account_id = {v}`+perRow+`))`,
		alias, v)
	return b.String(), args
}

// ViewersWhoMaySee returns the candidates who may see a status, by the one
// visibility rule (visibleTo) evaluated for every candidate in one query.
func (d *DB) ViewersWhoMaySee(ctx context.Context, statusID int64, candidates []int64) ([]int64, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	cond, args := visibleToColumn("s", "cand.id")
	var ids []int64
	err := d.withoutJIT(ctx, func(q bun.IDB) error {
		return q.NewRaw("SELECT cand.id FROM accounts cand JOIN statuses s ON s.id = ? WHERE cand.id IN (?) AND "+cond,
			append([]any{statusID, bun.List(candidates)}, args...)...).Scan(ctx, &ids)
	})
	if err != nil {
		return nil, fmt.Errorf("db: viewers who may see: %w", err)
	}
	return ids, nil
}

// StatusAudience decides, in one query, which candidates a new or edited
// status reaches: those who may see it (visibleTo) and do not mute its
// author (notMutedBy), as on every REST timeline. The value says whether
// it belongs on the candidate's home timeline (onHomeOf, HomeTimeline's
// rule). Candidates it does not reach are absent.
func (d *DB) StatusAudience(ctx context.Context, statusID int64, candidates []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(candidates) == 0 {
		return out, nil
	}
	home, homeArgs := onHomeOf("s", columnViewer("cand.id"))
	vis, visArgs := visibleToColumn("s", "cand.id")
	muted, mutedArgs := notMutedBySQL("s", columnViewer("cand.id"))
	args := append(homeArgs, statusID, bun.List(candidates))
	args = append(append(args, visArgs...), mutedArgs...)
	var rows []struct {
		AccountID int64 `bun:"account_id"`
		Home      bool  `bun:"home"`
	}
	err := d.withoutJIT(ctx, func(q bun.IDB) error {
		return q.NewRaw("SELECT cand.id AS account_id, ("+home+") AS home FROM accounts cand JOIN statuses s ON s.id = ?"+
			" WHERE cand.id IN (?) AND "+vis+" AND "+muted, args...).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, fmt.Errorf("db: status reach: %w", err)
	}
	for _, r := range rows {
		out[r.AccountID] = r.Home
	}
	return out, nil
}

// withoutJIT runs a read without PostgreSQL's JIT compilation: the
// candidate queries above are large, so the planner's cost estimate
// passes jit_above_cost and compiling them takes ~70 ms, eight times what
// running them takes.
func (d *DB) withoutJIT(ctx context.Context, fn func(bun.IDB) error) error {
	if d.dialect != Postgres {
		return fn(d.r)
	}
	return d.r.RunInTx(ctx, &sql.TxOptions{ReadOnly: true}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
			return err
		}
		return fn(tx)
	})
}
