package db

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// trendWindow is how far back trends look: a week for hashtags (their
// history is a week), two days for posts.
const (
	trendTagDays       = 7
	trendStatusWindow  = 48 * time.Hour
	trendCandidates    = 200
	trendMinAccounts   = 2 // one account repeating a tag is not a trend
	trendStatusHalfAge = 12 * time.Hour
)

// TrendingTags ranks the hashtags of public original posts seen here over
// the last week: each day's distinct accounts, a day's weight halving with
// each day of age. Tags used by fewer than two accounts do not trend.
func (d *DB) TrendingTags(ctx context.Context, limit, offset int) ([]*Tag, error) {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var ids []int64
	err := d.r.NewSelect().TableExpr("status_tags AS st").
		ColumnExpr("st.tag_id").
		Join("JOIN statuses AS s ON s.id = st.status_id").
		Join("JOIN accounts AS sa ON sa.id = s.account_id").
		Where("st.status_id >= ?", MinIDAt(today.AddDate(0, 0, -(trendTagDays-1)))).
		Where("s.visibility = ? AND s.reblog_of_id IS NULL AND sa.suspended_at IS NULL", Public).
		GroupExpr("st.tag_id").
		Having("count(DISTINCT s.account_id) >= ?", trendMinAccounts).
		Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: trending tags: %w", err)
	}
	history, err := d.TagHistory(ctx, ids, trendTagDays)
	if err != nil {
		return nil, err
	}
	score := map[int64]float64{}
	for id, days := range history {
		for age, day := range days {
			score[id] += float64(day.Accounts) * math.Pow(0.5, float64(age))
		}
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if score[a] != score[b] {
			return cmpDesc(score[a], score[b])
		}
		return int(b - a)
	})
	ids = window(ids, limit, offset)
	if len(ids) == 0 {
		return []*Tag{}, nil
	}
	var tags []*Tag
	if err := d.r.NewSelect().Model(&tags).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: trending tags: %w", err)
	}
	slices.SortFunc(tags, func(a, b *Tag) int { return slices.Index(ids, a.ID) - slices.Index(ids, b.ID) })
	return tags, nil
}

// TrendingStatusIDs ranks public original posts of the last two days by
// their favourites, boosts (twice) and replies, halving every 12 hours of age.
func (d *DB) TrendingStatusIDs(ctx context.Context, limit, offset int) ([]int64, error) {
	var rows []struct {
		ID         int64     `bun:"id"`
		CreatedAt  time.Time `bun:"created_at"`
		Favourites int64     `bun:"favourites_count"`
		Reblogs    int64     `bun:"reblogs_count"`
		Replies    int64     `bun:"replies_count"`
	}
	err := d.r.NewSelect().TableExpr("statuses AS s").
		ColumnExpr("s.id, s.created_at, s.favourites_count, s.reblogs_count, s.replies_count").
		Join("JOIN accounts AS sa ON sa.id = s.account_id").
		Where("s.id >= ?", MinIDAt(time.Now().Add(-trendStatusWindow))).
		Where("s.visibility = ? AND s.reblog_of_id IS NULL AND sa.suspended_at IS NULL", Public).
		Where("s.favourites_count + s.reblogs_count > 0").
		OrderExpr("s.favourites_count + 2 * s.reblogs_count + s.replies_count DESC, s.id DESC").
		Limit(trendCandidates).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: trending statuses: %w", err)
	}
	score := map[int64]float64{}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		age := time.Since(r.CreatedAt)
		score[r.ID] = float64(r.Favourites+2*r.Reblogs+r.Replies) * math.Pow(0.5, float64(age)/float64(trendStatusHalfAge))
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if score[a] != score[b] {
			return cmpDesc(score[a], score[b])
		}
		return int(b - a)
	})
	return window(ids, limit, offset), nil
}

// Suggestion is an account suggested to follow and why.
type Suggestion struct {
	Account *Account
	Source  string // friends_of_friends or most_followed (Mastodon's sources)
}

// Suggestions proposes accounts to follow: those most followed by the
// accounts viewer follows, then the local accounts with most followers.
// Never the viewer, someone it follows or asked to follow (a follows row
// either way), blocks either
// way, mutes, suspended accounts or dismissed suggestions.
func (d *DB) Suggestions(ctx context.Context, viewer int64, limit int) ([]Suggestion, error) {
	exclude := func(q *bun.SelectQuery, col string) *bun.SelectQuery {
		return q.Where(col+" <> ?", viewer).
			Where("NOT EXISTS (SELECT 1 FROM follows xf WHERE xf.account_id = ? AND xf.target_account_id = "+col+")", viewer).
			Where("NOT EXISTS (SELECT 1 FROM blocks xb WHERE (xb.account_id = ? AND xb.target_account_id = "+col+") OR (xb.target_account_id = ? AND xb.account_id = "+col+"))", viewer, viewer).
			Where("NOT EXISTS (SELECT 1 FROM mutes xm WHERE xm.account_id = ? AND xm.target_account_id = "+col+")", viewer).
			Where("NOT EXISTS (SELECT 1 FROM suggestion_dismissals xd WHERE xd.account_id = ? AND xd.target_account_id = "+col+")", viewer).
			Where("NOT EXISTS (SELECT 1 FROM accounts xa WHERE xa.id = " + col + " AND (xa.suspended_at IS NOT NULL OR xa.actor_type = 'Application'))")
	}
	var friends []int64
	q := d.r.NewSelect().TableExpr("follows AS f1").ColumnExpr("f2.target_account_id").
		Join("JOIN follows AS f2 ON f2.account_id = f1.target_account_id AND f2.accepted = TRUE").
		Where("f1.account_id = ? AND f1.accepted = TRUE", viewer)
	err := exclude(q, "f2.target_account_id").GroupExpr("f2.target_account_id").
		OrderExpr("count(*) DESC, f2.target_account_id DESC").Limit(int64(limit)).Scan(ctx, &friends)
	if err != nil {
		return nil, fmt.Errorf("db: suggestions: %w", err)
	}
	var popular []int64
	if len(friends) < limit {
		q := d.r.NewSelect().TableExpr("accounts AS a").ColumnExpr("a.id").
			Join("JOIN users AS u ON u.account_id = a.id").
			Where("a.domain = '' AND a.discoverable = TRUE")
		if len(friends) > 0 {
			q = q.Where("a.id NOT IN (?)", bun.List(friends))
		}
		err := exclude(q, "a.id").OrderExpr("a.followers_count DESC, a.id DESC").Limit(int64(limit-len(friends))).Scan(ctx, &popular)
		if err != nil {
			return nil, fmt.Errorf("db: suggestions: %w", err)
		}
	}
	accounts, err := d.AccountsByIDs(ctx, append(slices.Clone(friends), popular...))
	if err != nil {
		return nil, err
	}
	out := make([]Suggestion, 0, len(friends)+len(popular))
	for _, id := range friends {
		if a := accounts[id]; a != nil {
			out = append(out, Suggestion{Account: a, Source: "friends_of_friends"})
		}
	}
	for _, id := range popular {
		if a := accounts[id]; a != nil {
			out = append(out, Suggestion{Account: a, Source: "most_followed"})
		}
	}
	return out, nil
}

// DismissSuggestion keeps target out of viewer's suggestions.
func (d *DB) DismissSuggestion(ctx context.Context, viewer, target int64) error {
	_, err := d.w.NewRaw(`INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, viewer, target, now()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: dismiss suggestion: %w", err)
	}
	return nil
}

func cmpDesc(a, b float64) int {
	if a > b {
		return -1
	}
	return 1
}

// window is list[offset:offset+limit], clamped.
func window[T any](list []T, limit, offset int) []T {
	if offset >= len(list) {
		return nil
	}
	return list[offset:min(len(list), offset+limit)]
}
