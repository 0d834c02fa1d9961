package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// groupSpan is how long one group of notifications may span: favourites
// (or boosts) of one post, or follows, within the same 12-hour window share
// a group, as in Mastodon. The key is computed, not stored: it follows
// from the type, the post and the time.
const groupSpan = 12 * time.Hour

// DefaultGroupedTypes are the types grouped unless a client asks otherwise.
var DefaultGroupedTypes = []string{NotifyFavourite, NotifyReblog, NotifyFollow}

// NotificationGroupKey is the group a notification belongs to when its type
// is among grouped; otherwise "ungrouped-<id>".
func NotificationGroupKey(n *Notification, grouped []string) string {
	if !slices.Contains(grouped, n.Type) {
		return "ungrouped-" + FormatID(n.ID)
	}
	bucket := strconv.FormatInt(n.CreatedAt.Unix()/int64(groupSpan/time.Second), 10)
	switch {
	case n.Type == NotifyFollow:
		return n.Type + "-" + bucket
	case (n.Type == NotifyFavourite || n.Type == NotifyReblog) && n.StatusID != nil:
		return n.Type + "-" + FormatID(*n.StatusID) + "-" + bucket
	}
	return "ungrouped-" + FormatID(n.ID)
}

// groupQuery is what a group key selects.
type groupQuery struct {
	id       int64 // ungrouped: the one notification
	typ      string
	statusID int64
	from, to time.Time
}

func parseGroupKey(key string) (groupQuery, bool) {
	parts := strings.Split(key, "-")
	var g groupQuery
	var ok bool
	switch {
	case len(parts) == 2 && parts[0] == "ungrouped":
		g.id, ok = ParseID(parts[1])
		return g, ok
	case len(parts) == 2 && parts[0] == NotifyFollow:
		g.typ = NotifyFollow
	case len(parts) == 3 && (parts[0] == NotifyFavourite || parts[0] == NotifyReblog):
		g.typ = parts[0]
		if g.statusID, ok = ParseID(parts[1]); !ok {
			return g, false
		}
	default:
		return g, false
	}
	bucket, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil || bucket < 0 {
		return g, false
	}
	g.from = time.Unix(bucket*int64(groupSpan/time.Second), 0).UTC()
	g.to = g.from.Add(groupSpan)
	return g, true
}

// groupSelect selects the shown notifications of a group into list;
// ErrNotFound for a malformed key.
func (d *DB) groupSelect(accountID int64, key string, list *[]*Notification) (*bun.SelectQuery, error) {
	g, ok := parseGroupKey(key)
	if !ok {
		return nil, ErrNotFound
	}
	q := d.r.NewSelect().Model(list)
	if g.id != 0 {
		q = q.Where("n.id = ?", g.id)
	} else {
		q = q.Where("n.type = ? AND n.created_at >= ? AND n.created_at < ?", g.typ, g.from, g.to)
		if g.statusID != 0 {
			q = q.Where("n.status_id = ?", g.statusID)
		}
	}
	return whereNotificationShown(q, accountID), nil
}

// NotificationsInGroup lists the shown notifications of a group, newest
// first (at most limit); ErrNotFound for a malformed key.
func (d *DB) NotificationsInGroup(ctx context.Context, accountID int64, key string, limit int) ([]*Notification, error) {
	var list []*Notification
	q, err := d.groupSelect(accountID, key, &list)
	if err != nil {
		return nil, err
	}
	if err := q.OrderExpr("n.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: notification group: %w", err)
	}
	return list, nil
}

// countGroup counts the shown notifications of a group.
func (d *DB) countGroup(ctx context.Context, accountID int64, key string) (int, error) {
	q, err := d.groupSelect(accountID, key, &[]*Notification{})
	if err != nil {
		return 0, err
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: count notification group: %w", err)
	}
	return int(n), nil
}

// DismissNotificationGroup deletes every notification of a group.
func (d *DB) DismissNotificationGroup(ctx context.Context, accountID int64, key string) error {
	g, ok := parseGroupKey(key)
	if !ok {
		return ErrNotFound
	}
	q := d.w.NewDelete().Model((*Notification)(nil)).Where("account_id = ?", accountID)
	if g.id != 0 {
		q = q.Where("id = ?", g.id)
	} else {
		q = q.Where("type = ? AND created_at >= ? AND created_at < ?", g.typ, g.from, g.to)
		if g.statusID != 0 {
			q = q.Where("status_id = ?", g.statusID)
		}
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: dismiss notification group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// NotificationGroup is one group of a page of grouped notifications.
type NotificationGroup struct {
	Key      string
	Type     string
	StatusID *int64
	// Count and Latest are the whole group's; the page bounds and time are
	// the part of it on this page.
	Count                int
	Latest               *Notification
	SampleAccountIDs     []int64 // the most recent senders, at most 8
	PageMinID, PageMaxID int64
	LatestPageAt         time.Time
}

// sampleAccounts is how many senders a group names.
const sampleAccounts = 8

// GroupNotifications groups a page of notifications (newest first) by key,
// in order of their newest member, and fills in each group's totals.
func (d *DB) GroupNotifications(ctx context.Context, accountID int64, page []*Notification, grouped []string) ([]*NotificationGroup, error) {
	var out []*NotificationGroup
	byKey := map[string]*NotificationGroup{}
	for _, n := range page {
		key := NotificationGroupKey(n, grouped)
		g := byKey[key]
		if g == nil {
			g = &NotificationGroup{Key: key, Type: n.Type, StatusID: n.StatusID, PageMaxID: n.ID, LatestPageAt: n.CreatedAt,
				Count: 1, Latest: n, SampleAccountIDs: []int64{n.FromAccountID}}
			byKey[key] = g
			out = append(out, g)
		}
		g.PageMinID = n.ID
	}
	for _, g := range out {
		if strings.HasPrefix(g.Key, "ungrouped-") {
			continue
		}
		count, err := d.countGroup(ctx, accountID, g.Key)
		if err != nil {
			return nil, err
		}
		// The newest members, enough to name a few distinct senders.
		members, err := d.NotificationsInGroup(ctx, accountID, g.Key, 4*sampleAccounts)
		if err != nil {
			return nil, err
		}
		if len(members) == 0 {
			continue
		}
		g.Count, g.Latest, g.SampleAccountIDs = count, members[0], nil
		for _, m := range members {
			if !slices.Contains(g.SampleAccountIDs, m.FromAccountID) {
				g.SampleAccountIDs = append(g.SampleAccountIDs, m.FromAccountID)
			}
			if len(g.SampleAccountIDs) == sampleAccounts {
				break
			}
		}
	}
	return out, nil
}
