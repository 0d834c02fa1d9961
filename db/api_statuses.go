package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Queries of the Mastodon statuses API: idempotent posting, threads,
// bookmarks, pins, muted conversations, and who favourited or boosted.

// idempotencyAbandoned is how long a reservation without a status may stand
// before another request may take it over (its request died mid-way).
const idempotencyAbandoned = 2 * time.Minute

// ReserveIdempotencyKey claims (account, key) for a new status. reserved is
// true when the caller now owns the key and must finish it with
// CompleteIdempotencyKey or give it back with ReleaseIdempotencyKey.
// Otherwise statusID is the status an earlier request created with the key,
// or 0 while that request is still running. Keys older than ttl (and
// reservations abandoned by a request that died) no longer count.
func (d *DB) ReserveIdempotencyKey(ctx context.Context, accountID int64, key string, ttl time.Duration) (reserved bool, statusID int64, err error) {
	err = d.tx(ctx, func(tx bun.Tx) error {
		t := now()
		// Forget this account's expired keys (the primary key starts with
		// account_id, so this stays a small range delete).
		if _, err := tx.NewDelete().Table("idempotency_keys").Where("account_id = ?", accountID).
			Where("created_at < ? OR (status_id = 0 AND created_at < ?)", t.Add(-ttl), t.Add(-idempotencyAbandoned)).
			Exec(ctx); err != nil {
			return err
		}
		res, err := tx.NewRaw("INSERT INTO idempotency_keys (account_id, key, status_id, created_at) VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING",
			accountID, key, t).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			reserved = true
			return nil
		}
		return tx.NewSelect().Table("idempotency_keys").Column("status_id").
			Where("account_id = ? AND key = ?", accountID, key).Scan(ctx, &statusID)
	})
	if err != nil {
		return false, 0, fmt.Errorf("db: reserve idempotency key: %w", err)
	}
	return reserved, statusID, nil
}

// IdempotentStatusID reads the status stored for (account, key): found is
// false when no live key exists, statusID is 0 while its request runs.
func (d *DB) IdempotentStatusID(ctx context.Context, accountID int64, key string, ttl time.Duration) (statusID int64, found bool, err error) {
	err = d.r.NewSelect().Table("idempotency_keys").Column("status_id").
		Where("account_id = ? AND key = ? AND created_at >= ?", accountID, key, now().Add(-ttl)).Scan(ctx, &statusID)
	if errors.Is(notFound(err), ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("db: idempotency key: %w", err)
	}
	return statusID, true, nil
}

// CompleteIdempotencyKey records the status created under a reserved key.
func (d *DB) CompleteIdempotencyKey(ctx context.Context, accountID int64, key string, statusID int64) error {
	_, err := d.w.NewUpdate().Table("idempotency_keys").Set("status_id = ?", statusID).
		Where("account_id = ? AND key = ?", accountID, key).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey gives back a reserved key (statusID 0) whose
// request failed, so that a retry with the same key may post.
func (d *DB) ReleaseIdempotencyKey(ctx context.Context, accountID int64, key string, statusID int64) error {
	_, err := d.w.NewDelete().Table("idempotency_keys").
		Where("account_id = ? AND key = ? AND status_id = ?", accountID, key, statusID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: release idempotency key: %w", err)
	}
	return nil
}

// ThreadNode is one status of a thread: its place in the reply tree and
// whether the viewer may see it.
type ThreadNode struct {
	ID          int64  `bun:"id"`
	InReplyToID *int64 `bun:"in_reply_to_id"`
	Visible     int    `bun:"visible"` // 1 when the viewer may see it (and does not mute its author)
}

// ThreadTree returns every status of a thread (statuses share thread_id) in
// one query, oldest first, each marked visible or not for v by the
// visibility rule — blocks and the viewer's mutes included — applied to each
// status on its own. Invisible ones are kept so the tree can be walked
// through them without revealing them.
func (d *DB) ThreadTree(ctx context.Context, threadID int64, v Viewer) ([]ThreadNode, error) {
	cond, args := visibleTo("s", v)
	muted, margs := notMutedBy("s", v)
	var nodes []ThreadNode
	err := d.r.NewSelect().TableExpr("statuses AS s").
		ColumnExpr("s.id, s.in_reply_to_id").
		ColumnExpr("CASE WHEN "+cond+" AND "+muted+" THEN 1 ELSE 0 END AS visible", append(args, margs...)...).
		Where("s.thread_id = ? AND s.reblog_of_id IS NULL", threadID).
		OrderExpr("s.id ASC").Scan(ctx, &nodes)
	if err != nil {
		return nil, fmt.Errorf("db: thread: %w", err)
	}
	return nodes, nil
}

// Bookmark saves a status for an account (idempotent).
func (d *DB) Bookmark(ctx context.Context, accountID, statusID int64) error {
	_, err := d.w.NewRaw("INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		d.NewID(), accountID, statusID, now()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: bookmark: %w", err)
	}
	return nil
}

// Unbookmark removes a bookmark (idempotent).
func (d *DB) Unbookmark(ctx context.Context, accountID, statusID int64) error {
	_, err := d.w.NewDelete().Table("bookmarks").Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unbookmark: %w", err)
	}
	return nil
}

// HasBookmarked reports whether an account bookmarked a status.
func (d *DB) HasBookmarked(ctx context.Context, accountID, statusID int64) (bool, error) {
	return d.r.NewSelect().Table("bookmarks").Where("account_id = ? AND status_id = ?", accountID, statusID).Exists(ctx)
}

// HasFavourited reports whether an account favourited a status.
func (d *DB) HasFavourited(ctx context.Context, accountID, statusID int64) (bool, error) {
	return d.r.NewSelect().Table("favourites").Where("account_id = ? AND status_id = ?", accountID, statusID).Exists(ctx)
}

// cursorRow is an item of a page keyed by another table's id (a bookmark,
// a favourite, a boost) pointing at a status or an account.
type cursorRow struct {
	Cursor int64 `bun:"cursor"`
	Target int64 `bun:"target"`
}

// statusesByCursor loads the statuses of cursor rows, in the rows' order.
func (d *DB) statusesByCursor(ctx context.Context, p Page, rows []cursorRow) ([]*Status, []int64, error) {
	rows = newestFirst(p, rows)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.Target
	}
	byID, err := d.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	list := make([]*Status, 0, len(rows))
	cursors := make([]int64, 0, len(rows))
	for _, r := range rows {
		if s := byID[r.Target]; s != nil {
			list = append(list, s)
			cursors = append(cursors, r.Cursor)
		}
	}
	return list, cursors, nil
}

// BookmarkedStatuses lists the statuses an account bookmarked and may still
// see, most recently bookmarked first, paged by bookmark id (the cursors
// returned beside the statuses).
func (d *DB) BookmarkedStatuses(ctx context.Context, accountID int64, p Page) ([]*Status, []int64, error) {
	return d.savedStatuses(ctx, "bookmarks", accountID, p)
}

// FavouritedStatuses lists the statuses an account favourited and may
// still see, most recent first, paged by favourite id.
func (d *DB) FavouritedStatuses(ctx context.Context, accountID int64, p Page) ([]*Status, []int64, error) {
	return d.savedStatuses(ctx, "favourites", accountID, p)
}

func (d *DB) savedStatuses(ctx context.Context, table string, accountID int64, p Page) ([]*Status, []int64, error) {
	var rows []cursorRow
	q := d.r.NewSelect().TableExpr(table+" AS b").ColumnExpr("b.id AS cursor, b.status_id AS target").
		Join("JOIN statuses AS s ON s.id = b.status_id").
		Where("b.account_id = ?", accountID)
	q = whereVisible(q, "s", ViewerOf(accountID))
	if err := p.apply(q, "b.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: %s: %w", table, err)
	}
	return d.statusesByCursor(ctx, p, rows)
}

// accountsByCursor loads the accounts of cursor rows, in the rows' order.
func (d *DB) accountsByCursor(ctx context.Context, p Page, rows []cursorRow) ([]*Account, []int64, error) {
	rows = newestFirst(p, rows)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.Target
	}
	byID, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	list := make([]*Account, 0, len(rows))
	cursors := make([]int64, 0, len(rows))
	for _, r := range rows {
		if a := byID[r.Target]; a != nil {
			list = append(list, a)
			cursors = append(cursors, r.Cursor)
		}
	}
	return list, cursors, nil
}

// excludedFor hides accounts a viewer blocks, mutes or is blocked by, and
// suspended ones (Mastodon's "not excluded by account").
func excludedFor(q *bun.SelectQuery, alias string, v Viewer) *bun.SelectQuery {
	q = q.Where("NOT EXISTS (SELECT 1 FROM accounts xa WHERE xa.id = " + alias + " AND xa.suspended_at IS NOT NULL)")
	if v.AccountID == 0 {
		return q
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM blocks xb WHERE (xb.account_id = ? AND xb.target_account_id = "+alias+") OR (xb.account_id = "+alias+" AND xb.target_account_id = ?))", v.AccountID, v.AccountID).
		Where("NOT EXISTS (SELECT 1 FROM mutes xm WHERE xm.account_id = ? AND xm.target_account_id = "+alias+" AND (xm.expires_at IS NULL OR xm.expires_at > ?))", v.AccountID, now())
}

// FavouritedBy lists the accounts that favourited a status, most recent
// first, paged by favourite id (the cursors).
func (d *DB) FavouritedBy(ctx context.Context, statusID int64, v Viewer, p Page) ([]*Account, []int64, error) {
	var rows []cursorRow
	q := d.r.NewSelect().TableExpr("favourites AS f").ColumnExpr("f.id AS cursor, f.account_id AS target").
		Where("f.status_id = ?", statusID)
	q = excludedFor(q, "f.account_id", v)
	if err := p.apply(q, "f.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: favourited by: %w", err)
	}
	return d.accountsByCursor(ctx, p, rows)
}

// RebloggedBy lists the accounts whose boost of a status v may see, most
// recent first, paged by the boost's id (the cursors).
func (d *DB) RebloggedBy(ctx context.Context, statusID int64, v Viewer, p Page) ([]*Account, []int64, error) {
	var rows []cursorRow
	q := d.r.NewSelect().TableExpr("statuses AS s").ColumnExpr("s.id AS cursor, s.account_id AS target").
		Where("s.reblog_of_id = ?", statusID)
	q = whereVisible(q, "s", v)
	q = excludedFor(q, "s.account_id", v)
	if err := p.apply(q, "s.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: reblogged by: %w", err)
	}
	return d.accountsByCursor(ctx, p, rows)
}

// ErrPinLimit is returned when an account already pinned the most statuses it may.
var ErrPinLimit = errors.New("pin limit reached")

// PinStatus pins a status to its author's profile (idempotent), unless limit
// statuses are pinned already (ErrPinLimit).
func (d *DB) PinStatus(ctx context.Context, accountID, statusID int64, limit int) error {
	err := d.tx(ctx, func(tx bun.Tx) error {
		pinned, err := tx.NewSelect().Table("pins").Where("account_id = ? AND status_id = ?", accountID, statusID).Exists(ctx)
		if err != nil || pinned {
			return err
		}
		n, err := tx.NewSelect().Table("pins").Where("account_id = ?", accountID).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) >= limit {
			return ErrPinLimit
		}
		_, err = tx.NewRaw("INSERT INTO pins (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			d.NewID(), accountID, statusID, now()).Exec(ctx)
		return err
	})
	if err != nil && !errors.Is(err, ErrPinLimit) {
		return fmt.Errorf("db: pin: %w", err)
	}
	return err
}

// UnpinStatus removes a pin (idempotent).
func (d *DB) UnpinStatus(ctx context.Context, accountID, statusID int64) error {
	_, err := d.w.NewDelete().Table("pins").Where("account_id = ? AND status_id = ?", accountID, statusID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unpin: %w", err)
	}
	return nil
}

// MuteThread silences notifications from a conversation (idempotent).
func (d *DB) MuteThread(ctx context.Context, accountID, threadID int64) error {
	_, err := d.w.NewRaw("INSERT INTO thread_mutes (account_id, thread_id) VALUES (?, ?) ON CONFLICT DO NOTHING", accountID, threadID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: mute thread: %w", err)
	}
	return nil
}

// UnmuteThread lifts a conversation mute (idempotent).
func (d *DB) UnmuteThread(ctx context.Context, accountID, threadID int64) error {
	_, err := d.w.NewDelete().Table("thread_mutes").Where("account_id = ? AND thread_id = ?", accountID, threadID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unmute thread: %w", err)
	}
	return nil
}

// MediaAttributes are the editable fields of an attachment.
type MediaAttributes struct {
	Description string
	Focus       *MediaFocus // nil: unchanged
}

// SetStatusMediaAttributes changes the description and focal point of an
// account's attachment and returns it as it was before (to undo the change
// when the edit it belongs to fails).
func (d *DB) SetStatusMediaAttributes(ctx context.Context, accountID, mediaID int64, attrs MediaAttributes) (*MediaAttachment, error) {
	var before MediaAttachment
	err := d.tx(ctx, func(tx bun.Tx) error {
		if err := tx.NewSelect().Model(&before).Where("id = ? AND account_id = ?", mediaID, accountID).Scan(ctx); err != nil {
			return notFound(err)
		}
		after := before
		after.Description = attrs.Description
		if attrs.Focus != nil {
			after.Meta.Focus = attrs.Focus
		}
		after.UpdatedAt = now()
		_, err := tx.NewUpdate().Model(&after).Column("description", "meta", "updated_at").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("db: media attributes: %w", err)
	}
	return &before, nil
}

// RestoreMediaAttributes puts back an attachment's description and meta as
// SetStatusMediaAttributes returned them.
func (d *DB) RestoreMediaAttributes(ctx context.Context, m *MediaAttachment) error {
	_, err := d.w.NewUpdate().Model(m).Column("description", "meta", "updated_at").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: restore media attributes: %w", err)
	}
	return nil
}
