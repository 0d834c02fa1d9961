package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// FollowedTag is a hashtag an account follows (its posts reach the home timeline).
type FollowedTag struct {
	bun.BaseModel `bun:"table:followed_tags,alias:ft"`

	AccountID int64     `bun:"account_id,pk"`
	TagID     int64     `bun:"tag_id,pk"`
	CreatedAt time.Time `bun:"created_at"`
}

// TagByName returns a hashtag by name (normalized here).
func (d *DB) TagByName(ctx context.Context, name string) (*Tag, error) {
	t := new(Tag)
	err := d.r.NewSelect().Model(t).Where("t.name = ?", NormalizeTagName(name)).Scan(ctx)
	return t, notFound(err)
}

// FollowTag makes accountID follow a hashtag, creating the tag on first
// use, and returns the tag (idempotent).
func (d *DB) FollowTag(ctx context.Context, accountID int64, display string) (*Tag, error) {
	var t *Tag
	err := d.InTx(ctx, func(tx *Tx) error {
		var err error
		if t, err = tx.ensureTag(ctx, display); err != nil {
			return err
		}
		ft := &FollowedTag{AccountID: accountID, TagID: t.ID, CreatedAt: now()}
		res, err := tx.tx.NewInsert().Model(ft).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: follow tag: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already followed
		}
		return tx.homeFeedTagFollowed(ctx, accountID, t.ID)
	})
	return t, err
}

// ensureTag returns the hashtag named display, creating it on first use
// (concurrent creators meet on the unique name).
func (t *Tx) ensureTag(ctx context.Context, display string) (*Tag, error) {
	tag := &Tag{ID: t.d.NewID(), Name: NormalizeTagName(display), DisplayName: display, CreatedAt: now()}
	if _, err := t.tx.NewInsert().Model(tag).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: insert tag: %w", err)
	}
	if err := t.tx.NewSelect().Model(tag).Where("t.name = ?", tag.Name).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: tag: %w", err)
	}
	return tag, nil
}

// UnfollowTag stops accountID following a hashtag (idempotent); the
// hashtag's statuses leave its home feed unless they still pass.
func (d *DB) UnfollowTag(ctx context.Context, accountID, tagID int64) error {
	return d.InTx(ctx, func(tx *Tx) error {
		_, err := tx.tx.NewDelete().Model((*FollowedTag)(nil)).Where("account_id = ? AND tag_id = ?", accountID, tagID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: unfollow tag: %w", err)
		}
		return tx.pruneHomeFeed(ctx, accountID, "s.id IN (SELECT ust.status_id FROM status_tags ust WHERE ust.tag_id = ?)", tagID)
	})
}

// FollowedTags lists the hashtags accountID follows, paged by tag ID
// (the most recently created tag first).
func (d *DB) FollowedTags(ctx context.Context, accountID int64, p Page) ([]*Tag, error) {
	var list []*Tag
	q := d.r.NewSelect().Model(&list).
		Where("EXISTS (SELECT 1 FROM followed_tags ft WHERE ft.tag_id = t.id AND ft.account_id = ?)", accountID)
	if err := p.apply(q, "t.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: followed tags: %w", err)
	}
	return newestFirst(p, list), nil
}

// FollowedTagIDs reports which of tagIDs accountID follows.
func (d *DB) FollowedTagIDs(ctx context.Context, accountID int64, tagIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if accountID == 0 || len(tagIDs) == 0 {
		return out, nil
	}
	var ids []int64
	err := d.r.NewSelect().Model((*FollowedTag)(nil)).Column("tag_id").
		Where("account_id = ? AND tag_id IN (?)", accountID, bun.List(tagIDs)).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("db: followed tag ids: %w", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// DayUses are the uses of a hashtag or a link on one UTC day: public
// original posts, and their distinct authors.
type DayUses struct {
	Day      time.Time
	Uses     int64
	Accounts int64
}

// TagDay is a hashtag's day (Mastodon's history entry).
type TagDay = DayUses

// TagHistory counts, for each tag, its uses by public original statuses on
// each of the last days days (UTC), today first.
func (d *DB) TagHistory(ctx context.Context, tagIDs []int64, days int) (map[int64][]TagDay, error) {
	out, err := d.dailyUses(ctx, "status_tags", "tag_id", tagIDs, days)
	if err != nil {
		return nil, fmt.Errorf("db: tag history: %w", err)
	}
	return out, nil
}

// dailyUses counts, for each id of col in the status link table (status_tags,
// status_cards), its public original statuses and their distinct authors on
// each of the last days days (UTC), today first.
func (d *DB) dailyUses(ctx context.Context, table, col string, ids []int64, days int) (map[int64][]DayUses, error) {
	out := map[int64][]DayUses{}
	if len(ids) == 0 || days <= 0 {
		return out, nil
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, -(days - 1))
	// Status IDs are time-ordered: the window is an ID range, and the UTC
	// day of a status is its ID's millisecond part divided by a day.
	perDay := int64(1) << (seqBits + nodeBits) * 86_400_000
	var rows []struct {
		ID       int64 `bun:"id"`
		Day      int64 `bun:"day"`
		Uses     int64 `bun:"uses"`
		Accounts int64 `bun:"accounts"`
	}
	err := d.r.NewSelect().TableExpr("? AS link", bun.Ident(table)).
		ColumnExpr("link.? AS id, link.status_id / ? AS day, count(*) AS uses, count(DISTINCT s.account_id) AS accounts", bun.Ident(col), perDay).
		Join("JOIN statuses AS s ON s.id = link.status_id").
		Where("link.? IN (?) AND link.status_id >= ?", bun.Ident(col), bun.List(ids), MinIDAt(since)).
		Where("s.visibility = 0 AND s.reblog_of_id IS NULL").
		GroupExpr("link.?, link.status_id / ?", bun.Ident(col), perDay).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		hist := make([]DayUses, days)
		for i := range hist {
			hist[i].Day = today.AddDate(0, 0, -i)
		}
		out[id] = hist
	}
	todayNumber := today.Unix() / 86400
	for _, r := range rows {
		if i := todayNumber - r.Day; i >= 0 && i < int64(days) {
			out[r.ID][i].Uses, out[r.ID][i].Accounts = r.Uses, r.Accounts
		}
	}
	return out, nil
}
