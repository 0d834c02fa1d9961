package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Queries of media attachments: uploads through the API, the orphan sweep
// and the copies of remote attachments (cache and prune). Attachment rows of
// statuses are written with the statuses (statuses.go); avatars and headers
// with the profile (api_accounts.go).

// ErrMediaInUse is returned when an attachment that belongs to a status or a
// scheduled status would be deleted.
var ErrMediaInUse = errors.New("media attachment is in use")

// InsertMedia stores a new upload. m.ID must be set: the storage keys of
// its files are made from it.
func (d *DB) InsertMedia(ctx context.Context, m *MediaAttachment) error {
	t := now()
	m.CreatedAt, m.UpdatedAt = t, t
	if _, err := d.w.NewInsert().Model(m).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert media: %w", err)
	}
	return nil
}

// UpdateMediaDetails saves the description, meta (focus, small), preview
// and blurhash of an attachment of m.AccountID.
func (d *DB) UpdateMediaDetails(ctx context.Context, m *MediaAttachment) error {
	m.UpdatedAt = now()
	res, err := d.w.NewUpdate().Model(m).WherePK().Where("account_id = ?", m.AccountID).
		Column("description", "meta", "preview_key", "blurhash", "updated_at").Exec(ctx)
	return exactlyOne(res, err, "update media")
}

// DeleteUnattachedMedia deletes an attachment of accountID that belongs to
// no status and no scheduled status, and returns it (its files are the
// caller's to remove). ErrNotFound when accountID has no such attachment,
// ErrMediaInUse when it is attached.
func (d *DB) DeleteUnattachedMedia(ctx context.Context, accountID, id int64) (*MediaAttachment, error) {
	var list []*MediaAttachment
	err := d.w.NewDelete().Model((*MediaAttachment)(nil)).ModelTableExpr("media_attachments").
		Where("id = ? AND account_id = ? AND status_id IS NULL AND scheduled_status_id IS NULL", id, accountID).
		Returning("*").Scan(ctx, &list)
	if err != nil {
		return nil, fmt.Errorf("db: delete media: %w", err)
	}
	if len(list) == 1 {
		return list[0], nil
	}
	m, err := d.MediaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.AccountID != accountID {
		return nil, ErrNotFound
	}
	return nil, ErrMediaInUse
}

// orphanedMedia is the condition of attachments nothing refers to: no
// status, no scheduled status, not an account's avatar or header, not in a
// brand draft waiting for approval, unchanged since before ?. (The subqueries are uncorrelated: each dialect computes
// them once per statement.)
const orphanedMedia = `status_id IS NULL AND scheduled_status_id IS NULL AND updated_at < ?
	AND id NOT IN (SELECT avatar_media_id FROM accounts WHERE avatar_media_id IS NOT NULL)
	AND id NOT IN (SELECT header_media_id FROM accounts WHERE header_media_id IS NOT NULL)
	AND id NOT IN (SELECT media_id FROM brand_draft_media)`

// DeleteOrphanedMedia deletes up to limit attachments that nothing refers to
// and that were last changed before `before` (uploads never posted, media of
// deleted statuses), and returns them for their files.
func (d *DB) DeleteOrphanedMedia(ctx context.Context, before time.Time, limit int) ([]*MediaAttachment, error) {
	before = before.UTC()
	ids := d.w.NewSelect().Table("media_attachments").Column("id").Where(orphanedMedia, before).Order("id").Limit(int64(limit))
	var list []*MediaAttachment
	err := d.w.NewDelete().Model((*MediaAttachment)(nil)).ModelTableExpr("media_attachments").
		Where("id IN (?)", ids).Where(orphanedMedia, before).Returning("*").Scan(ctx, &list)
	if err != nil {
		return nil, fmt.Errorf("db: delete orphaned media: %w", err)
	}
	return list, nil
}

// AttachMediaToScheduled reserves uploads of accountID for a scheduled
// status (they are then neither orphans nor deletable).
func (d *DB) AttachMediaToScheduled(ctx context.Context, accountID, scheduledID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := d.w.NewUpdate().Model((*MediaAttachment)(nil)).ModelTableExpr("media_attachments").
		Set("scheduled_status_id = ?", scheduledID).Set("updated_at = ?", now()).
		Where("id IN (?) AND account_id = ? AND status_id IS NULL", bun.List(ids), accountID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: attach media to scheduled status: %w", err)
	}
	return nil
}

// RemoteMediaToCache returns up to limit attachments of remote statuses,
// with IDs above afterID, that no node has tried to copy yet (cached_at is
// NULL), in ID order — but none of accounts whose domain (or actor host) a
// domain block rejects the media of: those are never fetched.
func (d *DB) RemoteMediaToCache(ctx context.Context, afterID int64, limit int) ([]*MediaAttachment, error) {
	var list []*MediaAttachment
	err := d.r.NewSelect().Model(&list).
		Where("m.id > ? AND m.remote_url <> '' AND m.file_key = '' AND m.cached_at IS NULL AND m.status_id IS NOT NULL", afterID).
		Where("NOT EXISTS (" + mediaRejectedSQL + ")").
		Order("m.id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: remote media to cache: %w", err)
	}
	return list, nil
}

// ClaimMediaCache marks a remote attachment as taken by this caller for
// copying (cached_at = now) and reports whether it got it: false when
// another node claimed it first or it is gone. A claimed attachment is never
// tried again, whether the copy succeeds or not; without a file_key it keeps
// rendering from its remote URL.
func (d *DB) ClaimMediaCache(ctx context.Context, id int64) (bool, error) {
	res, err := d.w.NewUpdate().Model((*MediaAttachment)(nil)).ModelTableExpr("media_attachments").
		Set("cached_at = ?", now()).Where("id = ? AND cached_at IS NULL AND remote_url <> ''", id).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: claim media cache: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetMediaCached records the stored copy of a remote attachment: its files,
// their type, size, meta and blurhash. ErrNotFound when the attachment is
// gone (its status was deleted meanwhile).
func (d *DB) SetMediaCached(ctx context.Context, m *MediaAttachment) error {
	t := now()
	m.CachedAt, m.UpdatedAt = &t, t
	res, err := d.w.NewUpdate().Model(m).WherePK().Where("remote_url <> ''").
		Column("kind", "content_type", "file_key", "preview_key", "file_size", "blurhash", "meta", "cached_at", "updated_at").Exec(ctx)
	return exactlyOne(res, err, "set media cached")
}

// cachedRemoteMedia is the condition of remote attachments with a stored
// copy made before ?.
const cachedRemoteMedia = "remote_url <> '' AND file_key <> '' AND cached_at < ?"

// CachedRemoteMedia returns up to limit remote attachments, with IDs above
// afterID, whose stored copy was made before `before`, in ID order.
func (d *DB) CachedRemoteMedia(ctx context.Context, before time.Time, afterID int64, limit int) ([]*MediaAttachment, error) {
	var list []*MediaAttachment
	err := d.r.NewSelect().Model(&list).Where("m.id > ?", afterID).Where(cachedRemoteMedia, before.UTC()).
		Order("m.id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: cached remote media: %w", err)
	}
	return list, nil
}

// CountCachedRemoteMedia counts the remote attachments whose stored copy was
// made before `before`.
func (d *DB) CountCachedRemoteMedia(ctx context.Context, before time.Time) (int64, error) {
	n, err := d.r.NewSelect().Model((*MediaAttachment)(nil)).Where(cachedRemoteMedia, before.UTC()).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: count cached remote media: %w", err)
	}
	return int64(n), nil
}

// ClearMediaCache forgets the stored copy of a remote attachment (its files
// were removed): it renders from its remote URL again. cached_at stays set,
// so the copy is not made again.
func (d *DB) ClearMediaCache(ctx context.Context, id int64) error {
	_, err := d.w.NewUpdate().Model((*MediaAttachment)(nil)).ModelTableExpr("media_attachments").
		Set("file_key = ''").Set("preview_key = ''").Set("updated_at = ?", now()).
		Where("id = ? AND remote_url <> ''", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: clear media cache: %w", err)
	}
	return nil
}

// CountAccountMedia counts the attachments an account owns (uploads,
// attached or not, and its avatar and header).
func (d *DB) CountAccountMedia(ctx context.Context, accountID int64) (int, error) {
	n, err := d.r.NewSelect().Model((*MediaAttachment)(nil)).Where("account_id = ?", accountID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: count media: %w", err)
	}
	return int(n), nil
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

// mediaRejectedSQL selects the domain blocks with reject_media that reach
// the account of attachment m: by its handle's domain (or a subdomain) or
// its actor's host.
const mediaRejectedSQL = `SELECT 1 FROM accounts ra JOIN domain_blocks rb ON rb.reject_media = TRUE
	WHERE ra.id = m.account_id AND (ra.domain = rb.domain OR ra.domain LIKE '%.' || rb.domain OR ra.domain LIKE rb.domain || ':%'
	OR ra.uri LIKE '%://' || rb.domain || '/%' OR ra.uri LIKE '%://' || rb.domain || ':%' OR ra.uri LIKE '%.' || rb.domain || '/%')`
