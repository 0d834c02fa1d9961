package db

import (
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
// placeholder of a prepared statement.
func (v Viewer) idArg() any {
	if v.idParam != nil {
		return v.idParam
	}
	return v.AccountID
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

// visibleTo is THE visibility rule (../shared/docs/visibility.md): the SQL
// condition under which status alias may be seen by v. Every read path —
// API, streaming, pages, feeds, federation GETs, delivery — goes through it.
//
//   - the author is not suspended, and (for a logged-in viewer) neither side
//     blocks the other, and the viewer has not blocked the author's domain;
//   - public and unlisted: everyone; private: the author, accepted followers
//     and mentioned accounts; direct: the author and mentioned accounts;
//   - a boost is visible only if the boosted status is visible too.
func visibleTo(alias string, v Viewer) (string, []any) {
	var b strings.Builder
	var args []any
	writeVisible(&b, &args, alias, v, true)
	return b.String(), args
}

// perRow ends an EXISTS subquery whose rows grow with someone's history
// (mentions of the viewer, statuses of an account). "OFFSET 0" keeps
// PostgreSQL from turning the EXISTS into a hashed subplan: it would read
// every such row once per query to build the hash, because the planner
// sizes subplans for the whole table scan and not for the LIMIT that stops
// a timeline after a page. With it, each status costs one index probe.
// SQLite plans it the same either way.
const perRow = " LIMIT 1 OFFSET 0"

func writeVisible(b *strings.Builder, args *[]any, s string, v Viewer, withReblog bool) {
	r := strings.NewReplacer("{s}", s)
	b.WriteString(r.Replace(`(NOT EXISTS (SELECT 1 FROM accounts va WHERE va.id = {s}.account_id AND va.suspended_at IS NOT NULL)`))
	if v.AccountID == 0 {
		b.WriteString(r.Replace(` AND {s}.visibility <= 1`))
	} else {
		b.WriteString(r.Replace(` AND NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.account_id = {s}.account_id AND vb.target_account_id = ?)` +
			` AND NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.account_id = ? AND vb.target_account_id = {s}.account_id)` +
			` AND NOT EXISTS (SELECT 1 FROM account_domain_blocks vd JOIN accounts vda ON vda.domain = vd.domain WHERE vd.account_id = ? AND vda.id = {s}.account_id)` +
			` AND ({s}.visibility <= 1 OR {s}.account_id = ?` +
			` OR ({s}.visibility = 2 AND EXISTS (SELECT 1 FROM follows vf WHERE vf.account_id = ? AND vf.target_account_id = {s}.account_id AND vf.accepted = TRUE))` +
			` OR EXISTS (SELECT 1 FROM status_mentions vm WHERE vm.status_id = {s}.id AND vm.account_id = ?` + perRow + `))`))
		id := v.idArg()
		*args = append(*args, id, id, id, id, id, id)
	}
	if withReblog {
		b.WriteString(r.Replace(` AND ({s}.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses {s}r WHERE {s}r.id = {s}.reblog_of_id AND `))
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
	if v.AccountID == 0 {
		return "TRUE", nil
	}
	cond := strings.NewReplacer("{s}", alias).Replace(
		`NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ? AND mu.target_account_id = {s}.account_id AND (mu.expires_at IS NULL OR mu.expires_at > ?))` +
			` AND ({s}.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses mr JOIN mutes mu2 ON mu2.target_account_id = mr.account_id WHERE mr.id = {s}.reblog_of_id AND mu2.account_id = ? AND (mu2.expires_at IS NULL OR mu2.expires_at > ?)` + perRow + `))`)
	id, t := v.idArg(), v.nowArg()
	return cond, []any{id, t, id, t}
}
