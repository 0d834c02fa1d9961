package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// likeEscape escapes s for LIKE … ESCAPE '\' and lower-cases it.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s))
}

// whereListedAccount keeps accounts (alias a) that may be listed in search
// and the directory: not suspended, and listed (see listedAccount).
func whereListedAccount(q *bun.SelectQuery) *bun.SelectQuery {
	return q.Where("a.suspended_at IS NULL").Where(listedAccount)
}

// whereNotBlockedWith hides accounts (alias a) that viewer blocks, that
// block viewer, or whose domain viewer blocks.
func whereNotBlockedWith(q *bun.SelectQuery, viewer int64) *bun.SelectQuery {
	if viewer == 0 {
		return q
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM blocks ab WHERE (ab.account_id = ? AND ab.target_account_id = a.id) OR (ab.account_id = a.id AND ab.target_account_id = ?))", viewer, viewer).
		Where("NOT EXISTS (SELECT 1 FROM account_domain_blocks adb WHERE adb.account_id = ? AND adb.domain = a.domain)", viewer)
}

// AccountSearch is an account search: free Text matched against the start
// of usernames and of display-name words, or a handle — Username (a prefix,
// or the whole name with Exact) on a Domain (a prefix of the account's
// domain) or on this instance (Local).
type AccountSearch struct {
	Text      string
	Username  string
	Domain    string
	Local     bool
	Exact     bool
	Following bool // only accounts the viewer follows
	Limit     int
	Offset    int
}

// SearchAccounts finds listed accounts for viewer (0: anonymous), hiding
// accounts that block the viewer or that it blocks or whose domain it
// blocks: exact usernames first, then local accounts, then the most followed.
func (d *DB) SearchAccounts(ctx context.Context, viewer int64, s AccountSearch) ([]*Account, error) {
	var list []*Account
	q := whereNotBlockedWith(whereListedAccount(d.r.NewSelect().Model(&list)), viewer)
	exact := s.Text
	if s.Username != "" {
		exact = s.Username
		if s.Exact {
			q = q.Where("lower(a.username) = ?", strings.ToLower(s.Username))
		} else {
			q = q.Where(`lower(a.username) LIKE ? ESCAPE '\'`, likeEscape(s.Username)+"%")
		}
		if s.Local {
			q = q.Where("a.domain = ''")
		} else if s.Domain != "" {
			q = q.Where(`a.domain LIKE ? ESCAPE '\'`, likeEscape(s.Domain)+"%")
		}
	} else {
		pattern := likeEscape(s.Text)
		q = q.Where(`(lower(a.username) LIKE ? ESCAPE '\' OR lower(a.display_name) LIKE ? ESCAPE '\' OR lower(a.display_name) LIKE ? ESCAPE '\')`,
			pattern+"%", pattern+"%", "% "+pattern+"%")
	}
	if s.Following && viewer != 0 {
		q = q.Where("EXISTS (SELECT 1 FROM follows af WHERE af.account_id = ? AND af.target_account_id = a.id AND af.accepted = TRUE)", viewer)
	}
	limit := s.Limit
	if limit <= 0 {
		limit = 40
	}
	q = q.OrderExpr("CASE WHEN lower(a.username) = ? THEN 0 ELSE 1 END", strings.ToLower(exact)).
		OrderExpr("CASE WHEN a.domain = '' THEN 0 ELSE 1 END").
		OrderExpr("a.followers_count DESC, a.id ASC").
		Limit(int64(limit)).Offset(int64(s.Offset))
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: search accounts: %w", err)
	}
	return list, nil
}

// SearchTags finds hashtags whose name starts with prefix: an exact match
// first, then the most recently used.
func (d *DB) SearchTags(ctx context.Context, prefix string, limit, offset int) ([]*Tag, error) {
	var list []*Tag
	name := NormalizeTagName(prefix)
	err := d.r.NewSelect().Model(&list).Where(`t.name LIKE ? ESCAPE '\'`, likeEscape(name)+"%").
		OrderExpr("CASE WHEN t.name = ? THEN 0 ELSE 1 END, CASE WHEN t.last_status_at IS NULL THEN 1 ELSE 0 END, t.last_status_at DESC, t.name", name).
		Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: search tags: %w", err)
	}
	return list, nil
}

// StatusSearch is a full-text status search: every word must occur in the
// status's text (its source for local statuses), content or content warning.
type StatusSearch struct {
	Words     []string
	AccountID int64 // only statuses by this account
	Page      Page
	Offset    int
}

// SearchStatuses finds statuses for viewer (0: anonymous) as Mastodon
// scopes search: public statuses of indexable authors, and the viewer's own
// statuses and those it was mentioned in, favourited or bookmarked — always
// within the visibility rule, never boosts, without muted accounts. Newest
// first.
func (d *DB) SearchStatuses(ctx context.Context, viewer int64, s StatusSearch) ([]*Status, error) {
	var list []*Status
	if len(s.Words) == 0 {
		return list, nil
	}
	q := d.r.NewSelect().Model(&list).Relation("Account").Where("s.reblog_of_id IS NULL")
	public := "(s.visibility = 0 AND EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = s.account_id AND sa.indexable = TRUE))"
	if viewer == 0 {
		q = q.Where(public)
	} else {
		q = q.Where("("+public+` OR s.account_id = ?
			OR EXISTS (SELECT 1 FROM status_mentions sm WHERE sm.status_id = s.id AND sm.account_id = ?)
			OR EXISTS (SELECT 1 FROM favourites sf WHERE sf.status_id = s.id AND sf.account_id = ?)
			OR EXISTS (SELECT 1 FROM bookmarks sb WHERE sb.status_id = s.id AND sb.account_id = ?))`, viewer, viewer, viewer, viewer)
	}
	for _, w := range s.Words {
		p := "%" + likeEscape(w) + "%"
		q = q.Where(`(lower(CASE WHEN s.text <> '' THEN s.text ELSE s.content END) LIKE ? ESCAPE '\' OR lower(s.spoiler_text) LIKE ? ESCAPE '\')`, p, p)
	}
	if s.AccountID != 0 {
		q = q.Where("s.account_id = ?", s.AccountID)
	}
	v := ViewerOf(viewer)
	q = whereVisible(q, "s", v)
	cond, args := notMutedBy("s", v)
	q = s.Page.apply(q.Where(cond, args...), "s.id").Offset(int64(s.Offset))
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: search statuses: %w", err)
	}
	return newestFirst(s.Page, list), nil
}

// StatusByURLFor returns the status whose ActivityPub id or page URL is u,
// if v may see it.
func (d *DB) StatusByURLFor(ctx context.Context, u string, v Viewer) (*Status, error) {
	s := new(Status)
	q := d.r.NewSelect().Model(s).Relation("Account").Where("(s.uri = ? OR s.url = ?) AND s.reblog_of_id IS NULL", u, u)
	err := whereVisible(q, "s", v).OrderExpr("s.id").Limit(1).Scan(ctx)
	return s, notFound(err)
}
