package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// FeaturedTag is a hashtag an account shows on its profile, with how often
// and when it last used it in public or unlisted posts.
type FeaturedTag struct {
	ID            int64      `bun:"id"`
	AccountID     int64      `bun:"account_id"`
	TagID         int64      `bun:"tag_id"`
	Name          string     `bun:"name"`
	DisplayName   string     `bun:"display_name"`
	StatusesCount int64      `bun:"statuses_count"`
	LastStatusAt  *time.Time `bun:"last_status_at"`
	CreatedAt     time.Time  `bun:"created_at"`
}

// featuredTagSelect is the featured tags of accountID with their counts.
func featuredTagSelect(q *bun.SelectQuery, accountID int64) *bun.SelectQuery {
	return q.TableExpr("featured_tags AS ft").
		ColumnExpr("ft.id, ft.account_id, ft.tag_id, ft.created_at, t.name, t.display_name").
		ColumnExpr("count(s.id) AS statuses_count, max(s.created_at) AS last_status_at").
		Join("JOIN tags AS t ON t.id = ft.tag_id").
		Join("LEFT JOIN status_tags AS st ON st.tag_id = ft.tag_id").
		Join("LEFT JOIN statuses AS s ON s.id = st.status_id AND s.account_id = ft.account_id AND s.visibility IN (?, ?) AND s.reblog_of_id IS NULL",
			Public, Unlisted).
		Where("ft.account_id = ?", accountID).
		GroupExpr("ft.id, ft.account_id, ft.tag_id, ft.created_at, t.name, t.display_name")
}

// FeaturedTags lists an account's featured hashtags, oldest first.
func (d *DB) FeaturedTags(ctx context.Context, accountID int64) ([]*FeaturedTag, error) {
	var list []*FeaturedTag
	if err := featuredTagSelect(d.r.NewSelect(), accountID).OrderExpr("ft.id").Scan(ctx, &list); err != nil {
		return nil, fmt.Errorf("db: featured tags: %w", err)
	}
	return list, nil
}

// FeatureTag features a hashtag on accountID's profile, creating the tag on
// first use, up to max tags (ErrLimit beyond). created is false when it was
// featured already.
func (t *Tx) FeatureTag(ctx context.Context, accountID int64, display string, max int) (ft *FeaturedTag, created bool, err error) {
	tag, err := t.ensureTag(ctx, display)
	if err != nil {
		return nil, false, err
	}
	n, err := t.tx.NewSelect().TableExpr("featured_tags").Where("account_id = ?", accountID).Count(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("db: feature tag: %w", err)
	}
	res, err := t.tx.NewRaw(`INSERT INTO featured_tags (id, account_id, tag_id, created_at) SELECT ?, ?, ?, ?
		WHERE ? < ? ON CONFLICT DO NOTHING`, t.d.NewID(), accountID, tag.ID, now(), n, max).Exec(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("db: feature tag: %w", err)
	}
	added, _ := res.RowsAffected()
	var list []*FeaturedTag
	if err := featuredTagSelect(t.tx.NewSelect(), accountID).Where("ft.tag_id = ?", tag.ID).Scan(ctx, &list); err != nil {
		return nil, false, fmt.Errorf("db: feature tag: %w", err)
	}
	if len(list) == 0 {
		return nil, false, &limitError{fmt.Sprintf("You can feature at most %d hashtags", max)}
	}
	return list[0], added > 0, nil
}

// UnfeatureTag takes a featured tag (by its id) off accountID's profile.
func (t *Tx) UnfeatureTag(ctx context.Context, accountID, id int64) (*FeaturedTag, error) {
	var list []*FeaturedTag
	if err := featuredTagSelect(t.tx.NewSelect(), accountID).Where("ft.id = ?", id).Scan(ctx, &list); err != nil {
		return nil, fmt.Errorf("db: unfeature tag: %w", err)
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	if _, err := t.tx.NewDelete().TableExpr("featured_tags").Where("id = ? AND account_id = ?", id, accountID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: unfeature tag: %w", err)
	}
	return list[0], nil
}

// FeaturedTagSuggestions are the hashtags accountID used most recently in
// public or unlisted posts and does not feature yet.
func (d *DB) FeaturedTagSuggestions(ctx context.Context, accountID int64, limit int) ([]*Tag, error) {
	var ids []int64
	err := d.r.NewSelect().TableExpr("status_tags AS st").ColumnExpr("st.tag_id").
		Join("JOIN statuses AS s ON s.id = st.status_id").
		Where("s.account_id = ? AND s.visibility IN (?, ?) AND s.reblog_of_id IS NULL", accountID, Public, Unlisted).
		Where("NOT EXISTS (SELECT 1 FROM featured_tags ft WHERE ft.account_id = ? AND ft.tag_id = st.tag_id)", accountID).
		GroupExpr("st.tag_id").OrderExpr("max(st.status_id) DESC").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: featured tag suggestions: %w", err)
	}
	if len(ids) == 0 {
		return []*Tag{}, nil
	}
	var tags []*Tag
	if err := d.r.NewSelect().Model(&tags).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: featured tag suggestions: %w", err)
	}
	slices.SortFunc(tags, func(a, b *Tag) int { return slices.Index(ids, a.ID) - slices.Index(ids, b.ID) })
	return tags, nil
}
