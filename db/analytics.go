package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Queries of package analytics: what a local account's posts achieved, its
// followers over time and the instances its deliveries reached. Every number
// comes from rows federation already writes (favourites, statuses,
// activities, delivery_stats, follows); nothing tracks readers.
//
// Every per-account query starts from an index on the account (statuses
// (account_id, id), activities (account_id, id), account_stats_daily's key)
// and reaches the per-post counts through indexes on the post
// (favourites (status_id, id), statuses (reblog_of_id, account_id),
// statuses (in_reply_to_id), activities (status_id), delivery_stats'
// key, deliveries (activity_id, inbox), follows (target_account_id,
// accepted, id)): cost grows with the account's posts in the period, never
// with the size of the instance. analytics_test.go checks the plans.
//
// A "post" is a local original status (not a boost) that is not direct:
// direct messages are conversations, not publications, and an admin viewing
// analytics must not learn about them. The author's own favourites, boosts
// and replies (threads) are not engagement and are not counted.

// postCounts are the per-post numbers, for a status aliased s. local
// followers come from the post's first sample when there is one (frozen
// then), else are counted now: local accounts whose accepted follow is
// older than the post (IDs are time-ordered in every table).
const postCounts = `
	(SELECT count(*) FROM favourites f WHERE f.status_id = s.id AND f.account_id <> s.account_id) AS favourites,
	(SELECT count(*) FROM statuses b WHERE b.reblog_of_id = s.id AND b.account_id <> s.account_id) AS boosts,
	(SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = s.id AND r.account_id <> s.account_id) AS replies,
	(SELECT COALESCE(SUM(ds.delivered), 0) FROM activities ca JOIN delivery_stats ds ON ds.activity_id = ca.id
		WHERE ca.status_id = s.id AND ca.type = 'Create') AS delivered,
	(SELECT COALESCE(SUM(ds.failed), 0) FROM activities ca JOIN delivery_stats ds ON ds.activity_id = ca.id
		WHERE ca.status_id = s.id AND ca.type = 'Create') AS failed,
	(SELECT count(*) FROM activities ca JOIN deliveries dl ON dl.activity_id = ca.id
		WHERE ca.status_id = s.id AND ca.type = 'Create') AS pending,
	COALESCE((SELECT ss.local_followers FROM status_stats ss WHERE ss.status_id = s.id ORDER BY ss.bucket LIMIT 1),
		(SELECT count(*) FROM follows lf JOIN accounts la ON la.id = lf.account_id
			WHERE lf.target_account_id = s.account_id AND lf.accepted = TRUE AND lf.id < s.id AND la.domain = '')) AS local_followers`

// postColumns describe the post itself.
const postColumns = `s.id, s.account_id, s.uri, s.url, s.visibility, s.text, s.spoiler_text, s.in_reply_to_id, s.created_at,`

// isPost restricts statuses aliased s to posts.
const isPost = `s.local = TRUE AND s.reblog_of_id IS NULL AND s.visibility < 3`

// PostStats are the numbers of one post.
type PostStats struct {
	ID          int64      `bun:"id"`
	AccountID   int64      `bun:"account_id"`
	URI         string     `bun:"uri"`
	URL         string     `bun:"url"`
	Visibility  Visibility `bun:"visibility"`
	Text        string     `bun:"text"`
	SpoilerText string     `bun:"spoiler_text"`
	InReplyToID *int64     `bun:"in_reply_to_id"`
	CreatedAt   time.Time  `bun:"created_at"`

	Favourites int64 `bun:"favourites"`
	Boosts     int64 `bun:"boosts"`
	Replies    int64 `bun:"replies"`
	// Delivered counts the remote inboxes the post's Create reached (one
	// per shared inbox), Failed those given up, Pending those still queued.
	Delivered      int64 `bun:"delivered"`
	Failed         int64 `bun:"failed"`
	Pending        int64 `bun:"pending"`
	LocalFollowers int64 `bun:"local_followers"`
}

// PostOrder is the order of AccountPosts.
type PostOrder int

// Orders of AccountPosts.
const (
	NewestFirst   PostOrder = iota // by ID, descending (keyset-paginated by Before)
	TopEngagement                  // favourites + boosts + replies, descending, then newest
)

// PostQuery selects an account's posts: IDs in [FromID, ToID), and below
// Before when it is set (NewestFirst only).
type PostQuery struct {
	AccountID    int64
	FromID, ToID int64
	Before       int64
	Order        PostOrder
	Limit        int
}

// AccountPosts returns the numbers of an account's posts in a period.
func (d *DB) AccountPosts(ctx context.Context, q PostQuery) ([]PostStats, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	inner := `SELECT ` + postColumns + postCounts + ` FROM statuses s
		WHERE s.account_id = ? AND ` + isPost + ` AND s.id >= ? AND s.id < ?`
	args := []any{q.AccountID, q.FromID, q.ToID}
	var query string
	switch q.Order {
	case TopEngagement:
		query = `SELECT * FROM (` + inner + `) p ORDER BY p.favourites + p.boosts + p.replies DESC, p.id DESC LIMIT ?`
	default:
		if q.Before > 0 {
			inner += ` AND s.id < ?`
			args = append(args, q.Before)
		}
		query = inner + ` ORDER BY s.id DESC LIMIT ?`
	}
	args = append(args, limit)
	var out []PostStats
	if err := d.r.NewRaw(query, args...).Scan(ctx, &out); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: account posts: %w", err)
	}
	return out, nil
}

// PostTotals sum an account's posts in a period.
type PostTotals struct {
	Posts          int64 `bun:"posts"`
	Favourites     int64 `bun:"favourites"`
	Boosts         int64 `bun:"boosts"`
	Replies        int64 `bun:"replies"`
	Delivered      int64 `bun:"delivered"`
	Failed         int64 `bun:"failed"`
	Pending        int64 `bun:"pending"`
	LocalFollowers int64 `bun:"local_followers"`
}

// AccountPostTotals sums the numbers of an account's posts with IDs in
// [fromID, toID).
func (d *DB) AccountPostTotals(ctx context.Context, accountID, fromID, toID int64) (PostTotals, error) {
	var t PostTotals
	err := d.r.NewRaw(`SELECT count(*) AS posts, COALESCE(SUM(p.favourites), 0) AS favourites, COALESCE(SUM(p.boosts), 0) AS boosts,
		COALESCE(SUM(p.replies), 0) AS replies, COALESCE(SUM(p.delivered), 0) AS delivered, COALESCE(SUM(p.failed), 0) AS failed,
		COALESCE(SUM(p.pending), 0) AS pending, COALESCE(SUM(p.local_followers), 0) AS local_followers
		FROM (SELECT s.id,`+postCounts+` FROM statuses s WHERE s.account_id = ? AND `+isPost+` AND s.id >= ? AND s.id < ?) p`,
		accountID, fromID, toID).Scan(ctx, &t)
	if err != nil {
		return t, fmt.Errorf("db: account post totals: %w", err)
	}
	return t, nil
}

// AnalyticsPost returns the numbers of one post, or ErrNotFound when the
// status does not exist or is no post (remote, a boost, direct).
func (d *DB) AnalyticsPost(ctx context.Context, statusID int64) (*PostStats, error) {
	var out []PostStats
	err := d.r.NewRaw(`SELECT `+postColumns+postCounts+` FROM statuses s WHERE s.id = ? AND `+isPost, statusID).Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: analytics post: %w", err)
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// HostReach is what deliveries achieved on one remote host: POSTs accepted
// (Delivered), given up (Failed), and how many activities got there.
type HostReach struct {
	Host       string `bun:"host"`
	Delivered  int64  `bun:"delivered"`
	Failed     int64  `bun:"failed"`
	Activities int64  `bun:"activities"`
}

const reachColumns = `ds.host AS host, SUM(ds.delivered) AS delivered, SUM(ds.failed) AS failed,
	SUM(CASE WHEN ds.delivered > 0 THEN 1 ELSE 0 END) AS activities`

// AccountReach groups by host the deliveries of an account's posts (their
// Creates) and boosts (Announces) with activity IDs in [fromID, toID),
// most delivered first. Activities of deleted or direct statuses are left
// out, as they are from the posts.
func (d *DB) AccountReach(ctx context.Context, accountID, fromID, toID int64) ([]HostReach, error) {
	var out []HostReach
	err := d.r.NewRaw(`SELECT `+reachColumns+`
		FROM activities act JOIN statuses s ON s.id = act.status_id JOIN delivery_stats ds ON ds.activity_id = act.id
		WHERE act.account_id = ? AND act.type IN ('Create', 'Announce') AND act.id >= ? AND act.id < ? AND s.visibility < 3
		GROUP BY ds.host ORDER BY delivered DESC, host`, accountID, fromID, toID).Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: account reach: %w", err)
	}
	return out, nil
}

// StatusReach groups by host the deliveries of a post's Create.
func (d *DB) StatusReach(ctx context.Context, statusID int64) ([]HostReach, error) {
	var out []HostReach
	err := d.r.NewRaw(`SELECT `+reachColumns+`
		FROM activities act JOIN delivery_stats ds ON ds.activity_id = act.id
		WHERE act.status_id = ? AND act.type = 'Create'
		GROUP BY ds.host ORDER BY delivered DESC, host`, statusID).Scan(ctx, &out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: status reach: %w", err)
	}
	return out, nil
}

// StatusSample is one row of a post's time series: cumulative counts at
// SampledAt, for the hour or day starting at Bucket.
type StatusSample struct {
	bun.BaseModel `bun:"table:status_stats"`

	StatusID       int64     `bun:"status_id,pk"`
	Bucket         time.Time `bun:"bucket,pk"`
	Favourites     int64     `bun:"favourites"`
	Boosts         int64     `bun:"boosts"`
	Replies        int64     `bun:"replies"`
	Delivered      int64     `bun:"delivered"`
	Failed         int64     `bun:"failed"`
	LocalFollowers int64     `bun:"local_followers"`
	SampledAt      time.Time `bun:"sampled_at"`
}

// SampleStatuses writes the sample of bucket for every post with an ID in
// [fromID, toID) that has none yet, at most limit of them, and returns how
// many it wrote (call again while it returns limit). A sample already
// taken in a bucket stays: it is the value at the bucket's start.
func (d *DB) SampleStatuses(ctx context.Context, bucket time.Time, fromID, toID int64, limit int) (int, error) {
	bucket = bucket.UTC().Truncate(time.Microsecond)
	res, err := d.w.NewRaw(`INSERT INTO status_stats (status_id, bucket, favourites, boosts, replies, delivered, failed, local_followers, sampled_at)
		SELECT p.id, ?, p.favourites, p.boosts, p.replies, p.delivered, p.failed, p.local_followers, ?
		FROM (SELECT s.id,`+postCounts+` FROM statuses s WHERE `+isPost+` AND s.id >= ? AND s.id < ?
			AND NOT EXISTS (SELECT 1 FROM status_stats x WHERE x.status_id = s.id AND x.bucket = ?)
			ORDER BY s.id LIMIT ?) p
		WHERE TRUE
		ON CONFLICT (status_id, bucket) DO NOTHING`, bucket, now(), fromID, toID, bucket, limit).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: sample statuses: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// StatusSamples returns a post's samples with buckets in [from, to), oldest first.
func (d *DB) StatusSamples(ctx context.Context, statusID int64, from, to time.Time) ([]StatusSample, error) {
	var out []StatusSample
	err := d.r.NewSelect().Model(&out).Where("status_id = ?", statusID).
		Where("bucket >= ?", from.UTC()).Where("bucket < ?", to.UTC()).Order("bucket").Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: status samples: %w", err)
	}
	return out, nil
}

// AccountDay is one row of account_stats_daily. Day is YYYY-MM-DD (UTC).
type AccountDay struct {
	bun.BaseModel `bun:"table:account_stats_daily"`

	AccountID      int64     `bun:"account_id,pk"`
	Day            string    `bun:"day,pk"`
	FollowersCount int64     `bun:"followers_count"`
	FollowingCount int64     `bun:"following_count"`
	StatusesCount  int64     `bun:"statuses_count"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

const snapshotAccounts = `INSERT INTO account_stats_daily (account_id, day, followers_count, following_count, statuses_count, updated_at)
	SELECT a.id, ?, a.followers_count, a.following_count, a.statuses_count, ? FROM accounts a WHERE a.domain = ''%s
	ON CONFLICT (account_id, day) DO UPDATE SET followers_count = excluded.followers_count,
		following_count = excluded.following_count, statuses_count = excluded.statuses_count, updated_at = excluded.updated_at
	WHERE account_stats_daily.followers_count <> excluded.followers_count OR account_stats_daily.following_count <> excluded.following_count
		OR account_stats_daily.statuses_count <> excluded.statuses_count`

// SnapshotLocalAccounts writes (or refreshes, where a counter changed) the
// row of day for every local account and returns how many rows it wrote.
func (d *DB) SnapshotLocalAccounts(ctx context.Context, day string) (int, error) {
	res, err := d.w.NewRaw(fmt.Sprintf(snapshotAccounts, ""), day, now()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: snapshot accounts: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SnapshotAccount writes (or refreshes) the row of day for one local account.
func (d *DB) SnapshotAccount(ctx context.Context, accountID int64, day string) error {
	if _, err := d.w.NewRaw(fmt.Sprintf(snapshotAccounts, " AND a.id = ?"), day, now(), accountID).Exec(ctx); err != nil {
		return fmt.Errorf("db: snapshot account: %w", err)
	}
	return nil
}

// AccountDays returns an account's daily rows from day from to day to
// (both included, YYYY-MM-DD), oldest first.
func (d *DB) AccountDays(ctx context.Context, accountID int64, from, to string) ([]AccountDay, error) {
	var out []AccountDay
	err := d.r.NewSelect().Model(&out).Where("account_id = ?", accountID).
		Where("day >= ?", from).Where("day <= ?", to).Order("day").Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: account days: %w", err)
	}
	return out, nil
}

// MayViewAnalytics is the access rule of analytics as one query: a user
// sees the analytics of their own account and of the brands they are a
// member of (any role), and admins see every account's. Every caller (API,
// pages, CSV) follows through analytics.MayView.
func (d *DB) MayViewAnalytics(ctx context.Context, userID, accountID int64) (bool, error) {
	ok, err := d.r.NewSelect().TableExpr("users AS u").
		Where("u.id = ?", userID).
		Where("u.account_id = ? OR u.role = ? OR EXISTS (SELECT 1 FROM brand_members AS bm WHERE bm.brand_account_id = ? AND bm.user_id = u.id)",
			accountID, RoleAdmin, accountID).
		Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("db: analytics access: %w", err)
	}
	return ok, nil
}
