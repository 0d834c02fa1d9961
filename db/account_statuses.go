package db

import (
	"context"
	"fmt"
)

// AccountStatusesFilter narrows an account's statuses (the profile tabs).
type AccountStatusesFilter struct {
	ExcludeReplies bool
	ExcludeReblogs bool
	OnlyMedia      bool
	Pinned         bool
	Tagged         string // hashtag name
	PublicOnly     bool   // only public and unlisted, whatever the viewer may see (outbox)
}

// AccountStatuses returns an account's statuses that v may see, newest first.
func (d *DB) AccountStatuses(ctx context.Context, accountID int64, v Viewer, f AccountStatusesFilter, p Page) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).Relation("Account").Where("s.account_id = ?", accountID)
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
	q = whereVisible(q, "s", v)
	if err := p.apply(q, "s.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: account statuses: %w", err)
	}
	return newestFirst(p, list), nil
}

// CountPublicStatuses counts an account's public and unlisted originals and boosts (outbox totalItems).
func (d *DB) CountPublicStatuses(ctx context.Context, accountID int64) (int, error) {
	n, err := d.r.NewSelect().Model((*Status)(nil)).Where("account_id = ? AND visibility <= 1", accountID).Count(ctx)
	return int(n), err
}

// FollowersPage lists accounts following target (accepted), most recent follow first, keyed by follow ID.
func (d *DB) FollowersPage(ctx context.Context, targetID int64, p Page) ([]*Account, []int64, error) {
	return d.followPage(ctx, "f.target_account_id", "f.account_id", targetID, p)
}

// FollowingPage lists accounts that account follows (accepted), most recent first.
func (d *DB) FollowingPage(ctx context.Context, accountID int64, p Page) ([]*Account, []int64, error) {
	return d.followPage(ctx, "f.account_id", "f.target_account_id", accountID, p)
}

func (d *DB) followPage(ctx context.Context, whereCol, joinCol string, id int64, p Page) ([]*Account, []int64, error) {
	var rows []struct {
		FollowID int64 `bun:"follow_id"`
		Account  `bun:",extend"`
	}
	q := d.r.NewSelect().TableExpr("follows AS f").ColumnExpr("f.id AS follow_id, a.*").
		Join("JOIN accounts AS a ON a.id = "+joinCol).
		Where(whereCol+" = ? AND f.accepted = TRUE AND a.suspended_at IS NULL", id)
	if err := p.apply(q, "f.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: follow page: %w", err)
	}
	rows = newestFirst(p, rows)
	accts := make([]*Account, len(rows))
	cursors := make([]int64, len(rows))
	for i := range rows {
		a := rows[i].Account
		accts[i], cursors[i] = &a, rows[i].FollowID
	}
	return accts, cursors, nil
}

// StatusReplies returns replies to a status that v may see, oldest first.
func (d *DB) StatusReplies(ctx context.Context, statusID int64, v Viewer, limit int) ([]*Status, error) {
	var list []*Status
	q := d.r.NewSelect().Model(&list).Relation("Account").Where("s.in_reply_to_id = ?", statusID)
	err := whereVisible(q, "s", v).Order("s.id ASC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: replies: %w", err)
	}
	return list, nil
}
