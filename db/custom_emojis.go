package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// CustomEmoji is a custom emoji: local (Domain "") or from a remote server.
type CustomEmoji struct {
	bun.BaseModel `bun:"table:custom_emojis,alias:ce"`

	ID              int64      `bun:"id,pk"`
	Shortcode       string     `bun:"shortcode"` // without colons
	Domain          string     `bun:"domain"`
	URI             string     `bun:"uri"` // the remote tag's id
	ImageRemoteURL  string     `bun:"image_remote_url"`
	FileKey         string     `bun:"file_key"`   // the image in the media store
	StaticKey       string     `bun:"static_key"` // its first frame (an animated GIF), else FileKey
	ContentType     string     `bun:"content_type"`
	CopiedFrom      string     `bun:"copied_from"`
	CopyClaimedAt   *time.Time `bun:"copy_claimed_at"`
	Category        string     `bun:"category"`
	VisibleInPicker bool       `bun:"visible_in_picker"`
	Disabled        bool       `bun:"disabled"`
	UpdatedAt       time.Time  `bun:"updated_at"`
	CreatedAt       time.Time  `bun:"created_at"`
}

// Local reports whether the emoji is this instance's own.
func (e *CustomEmoji) Local() bool { return e.Domain == "" }

// shownEmoji is the condition for an emoji to appear in an entity: enabled
// and with an image in our store (a remote one not copied yet is left out
// rather than hotlinked).
const shownEmoji = "ce.disabled = FALSE AND ce.file_key <> ''"

// UpsertRemoteEmojis stores remote emoji by shortcode and domain and sets
// their IDs. A known emoji takes a new image when the peer says it was
// updated later, or names another image without saying it is older; its
// old copy keeps rendering until the new one is made.
func (t *Tx) UpsertRemoteEmojis(ctx context.Context, list []*CustomEmoji) error {
	for _, e := range list {
		if e.Domain == "" {
			return errors.New("db: remote emoji without domain")
		}
		ts := now()
		given := !e.UpdatedAt.IsZero() // some servers leave `updated` out
		if !given {
			e.UpdatedAt = ts
		}
		e.UpdatedAt = e.UpdatedAt.UTC().Truncate(time.Microsecond)
		fresh := &CustomEmoji{ID: t.d.NewID(), Shortcode: e.Shortcode, Domain: e.Domain, URI: e.URI, ImageRemoteURL: e.ImageRemoteURL,
			VisibleInPicker: false, UpdatedAt: e.UpdatedAt, CreatedAt: ts}
		if _, err := t.tx.NewInsert().Model(fresh).On("CONFLICT (shortcode, domain) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("db: insert remote emoji: %w", err)
		}
		stored := new(CustomEmoji)
		if err := t.tx.NewSelect().Model(stored).Where("ce.shortcode = ? AND ce.domain = ?", e.Shortcode, e.Domain).Scan(ctx); err != nil {
			return fmt.Errorf("db: remote emoji: %w", err)
		}
		e.ID = stored.ID
		newer := given && e.UpdatedAt.After(stored.UpdatedAt)
		older := given && e.UpdatedAt.Before(stored.UpdatedAt)
		if older || !newer && stored.ImageRemoteURL == e.ImageRemoteURL {
			continue
		}
		if !given {
			e.UpdatedAt = ts // another image, undated: it is new to us now
		}
		_, err := t.tx.NewUpdate().Model((*CustomEmoji)(nil)).ModelTableExpr("custom_emojis").
			Set("image_remote_url = ?", e.ImageRemoteURL).Set("uri = ?", e.URI).Set("updated_at = ?", e.UpdatedAt).
			Set("copied_from = ''").Set("copy_claimed_at = NULL").Where("id = ?", stored.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: refresh remote emoji: %w", err)
		}
	}
	return nil
}

// SetStatusEmojis replaces the emoji a status uses.
func (t *Tx) SetStatusEmojis(ctx context.Context, statusID int64, emojiIDs []int64) error {
	if _, err := t.tx.NewDelete().TableExpr("status_emojis").Where("status_id = ?", statusID).Exec(ctx); err != nil {
		return fmt.Errorf("db: clear status emojis: %w", err)
	}
	for _, id := range dedupe(emojiIDs) {
		if _, err := t.tx.NewRaw("INSERT INTO status_emojis (status_id, emoji_id) VALUES (?, ?)", statusID, id).Exec(ctx); err != nil {
			return fmt.Errorf("db: status emoji: %w", err)
		}
	}
	return nil
}

// SetAccountEmojis replaces the emoji an account's profile uses.
func (t *Tx) SetAccountEmojis(ctx context.Context, accountID int64, emojiIDs []int64) error {
	if _, err := t.tx.NewDelete().TableExpr("account_emojis").Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return fmt.Errorf("db: clear account emojis: %w", err)
	}
	for _, id := range dedupe(emojiIDs) {
		if _, err := t.tx.NewRaw("INSERT INTO account_emojis (account_id, emoji_id) VALUES (?, ?)", accountID, id).Exec(ctx); err != nil {
			return fmt.Errorf("db: account emoji: %w", err)
		}
	}
	return nil
}

// StoreRemoteAccountEmojis stores the emoji a remote actor's profile uses
// (list may be empty: the profile uses none now).
func (d *DB) StoreRemoteAccountEmojis(ctx context.Context, accountID int64, list []*CustomEmoji) error {
	return d.InTx(ctx, func(tx *Tx) error {
		if err := tx.UpsertRemoteEmojis(ctx, list); err != nil {
			return err
		}
		ids := make([]int64, len(list))
		for i, e := range list {
			ids[i] = e.ID
		}
		return tx.SetAccountEmojis(ctx, accountID, ids)
	})
}

func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// EmojisForStatuses returns the shown emoji of each status, in one query.
func (d *DB) EmojisForStatuses(ctx context.Context, ids []int64) (map[int64][]*CustomEmoji, error) {
	return d.emojisFor(ctx, "status_emojis", "status_id", ids)
}

// EmojisForAccounts returns the shown emoji of each account's profile, in
// one query.
func (d *DB) EmojisForAccounts(ctx context.Context, ids []int64) (map[int64][]*CustomEmoji, error) {
	return d.emojisFor(ctx, "account_emojis", "account_id", ids)
}

// EmojisForPage returns the shown emoji of statuses and of accounts in one
// query (a page of statuses needs both: the read path pays one round trip).
func (d *DB) EmojisForPage(ctx context.Context, statusIDs, accountIDs []int64) (byStatus, byAccount map[int64][]*CustomEmoji, err error) {
	byStatus, byAccount = map[int64][]*CustomEmoji{}, map[int64][]*CustomEmoji{}
	switch {
	case len(statusIDs) == 0 && len(accountIDs) == 0:
		return byStatus, byAccount, nil
	case len(statusIDs) == 0:
		byAccount, err = d.EmojisForAccounts(ctx, accountIDs)
		return byStatus, byAccount, err
	case len(accountIDs) == 0:
		byStatus, err = d.EmojisForStatuses(ctx, statusIDs)
		return byStatus, byAccount, err
	}
	var rows []struct {
		Kind        string `bun:"kind"`
		OwnerID     int64  `bun:"owner_id"`
		CustomEmoji `bun:",extend"`
	}
	err = d.r.NewRaw(`SELECT 's' AS kind, x.status_id AS owner_id, ce.* FROM status_emojis AS x
JOIN custom_emojis AS ce ON ce.id = x.emoji_id WHERE x.status_id IN (?) AND `+shownEmoji+`
UNION ALL
SELECT 'a' AS kind, x.account_id AS owner_id, ce.* FROM account_emojis AS x
JOIN custom_emojis AS ce ON ce.id = x.emoji_id WHERE x.account_id IN (?) AND `+shownEmoji+`
ORDER BY shortcode`, bun.List(dedupe(statusIDs)), bun.List(dedupe(accountIDs))).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, fmt.Errorf("db: emojis of a page: %w", err)
	}
	for i := range rows {
		e := rows[i].CustomEmoji
		if rows[i].Kind == "s" {
			byStatus[rows[i].OwnerID] = append(byStatus[rows[i].OwnerID], &e)
		} else {
			byAccount[rows[i].OwnerID] = append(byAccount[rows[i].OwnerID], &e)
		}
	}
	return byStatus, byAccount, nil
}

func (d *DB) emojisFor(ctx context.Context, table, col string, ids []int64) (map[int64][]*CustomEmoji, error) {
	out := map[int64][]*CustomEmoji{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		OwnerID     int64 `bun:"owner_id"`
		CustomEmoji `bun:",extend"`
	}
	err := d.r.NewSelect().TableExpr(table+" AS x").ColumnExpr("x."+col+" AS owner_id, ce.*").
		Join("JOIN custom_emojis AS ce ON ce.id = x.emoji_id").
		Where("x."+col+" IN (?) AND "+shownEmoji, bun.List(dedupe(ids))).Order("ce.shortcode").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: emojis of %s: %w", table, err)
	}
	for i := range rows {
		e := rows[i].CustomEmoji
		out[rows[i].OwnerID] = append(out[rows[i].OwnerID], &e)
	}
	return out, nil
}

// LocalEmojis lists the local emoji by shortcode, the disabled ones too
// when all is set.
func (d *DB) LocalEmojis(ctx context.Context, all bool) ([]*CustomEmoji, error) {
	var list []*CustomEmoji
	q := d.r.NewSelect().Model(&list).Where("ce.domain = ''")
	if !all {
		q = q.Where(shownEmoji)
	}
	if err := q.Order("ce.shortcode").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: local emojis: %w", err)
	}
	return list, nil
}

// LocalEmojisByShortcodes returns the enabled local emoji among shortcodes.
func (d *DB) LocalEmojisByShortcodes(ctx context.Context, shortcodes []string) ([]*CustomEmoji, error) {
	var list []*CustomEmoji
	if len(shortcodes) == 0 {
		return list, nil
	}
	err := d.r.NewSelect().Model(&list).Where("ce.domain = '' AND ce.shortcode IN (?) AND "+shownEmoji, bun.List(shortcodes)).
		Order("ce.shortcode").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: local emojis by shortcode: %w", err)
	}
	return list, nil
}

// EmojiByID returns an emoji.
func (d *DB) EmojiByID(ctx context.Context, id int64) (*CustomEmoji, error) {
	e := new(CustomEmoji)
	return e, notFound(d.r.NewSelect().Model(e).Where("ce.id = ?", id).Scan(ctx))
}

// InsertLocalEmoji adds a local emoji whose image is stored; ErrConflict
// when the shortcode is taken.
func (d *DB) InsertLocalEmoji(ctx context.Context, e *CustomEmoji) error {
	t := now()
	e.ID, e.Domain, e.CreatedAt, e.UpdatedAt = d.NewID(), "", t, t
	if _, err := d.w.NewInsert().Model(e).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return ErrConflict
		}
		return fmt.Errorf("db: insert emoji: %w", err)
	}
	return nil
}

// DeleteLocalEmoji removes a local emoji (statuses and profiles stop
// showing it) and returns it, for its files; ErrNotFound when there is none.
func (d *DB) DeleteLocalEmoji(ctx context.Context, shortcode string) (*CustomEmoji, error) {
	e := new(CustomEmoji)
	err := d.InTx(ctx, func(tx *Tx) error {
		if err := tx.tx.NewSelect().Model(e).Where("ce.domain = '' AND ce.shortcode = ?", shortcode).Scan(ctx); err != nil {
			return notFound(err)
		}
		if _, err := tx.tx.NewDelete().TableExpr("custom_emojis").Where("id = ?", e.ID).Exec(ctx); err != nil {
			return fmt.Errorf("db: delete emoji: %w", err)
		}
		return nil
	})
	return e, err
}

// RemoteEmojisToCopy returns up to limit remote emoji whose current image
// has no copy yet and that nobody has tried.
func (d *DB) RemoteEmojisToCopy(ctx context.Context, limit int) ([]*CustomEmoji, error) {
	var list []*CustomEmoji
	err := d.r.NewSelect().Model(&list).
		Where("ce.domain <> '' AND ce.copy_claimed_at IS NULL AND ce.image_remote_url <> ce.copied_from").
		Order("ce.id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: emojis to copy: %w", err)
	}
	return list, nil
}

// ClaimEmojiCopy takes a remote emoji's image URL for copying and reports
// whether this caller got it. A claimed image is not tried again, whether
// the copy works or not, until the peer names a newer one.
func (d *DB) ClaimEmojiCopy(ctx context.Context, id int64, url string) (bool, error) {
	res, err := d.w.NewUpdate().Model((*CustomEmoji)(nil)).ModelTableExpr("custom_emojis").Set("copy_claimed_at = ?", now()).
		Where("id = ? AND copy_claimed_at IS NULL AND image_remote_url = ?", id, url).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: claim emoji copy: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetEmojiCopied records the stored copy of a remote emoji's image made
// from url, and returns the keys of the copy it replaces (to delete).
// ErrNotFound when the emoji is gone.
func (d *DB) SetEmojiCopied(ctx context.Context, id int64, url, fileKey, staticKey, contentType string) ([]string, error) {
	var old []string
	err := d.InTx(ctx, func(tx *Tx) error {
		prev := new(CustomEmoji)
		if err := tx.tx.NewSelect().Model(prev).Where("ce.id = ?", id).Scan(ctx); err != nil {
			return notFound(err)
		}
		for _, k := range []string{prev.FileKey, prev.StaticKey} {
			if k != "" && k != fileKey && k != staticKey {
				old = append(old, k)
			}
		}
		_, err := tx.tx.NewUpdate().Model((*CustomEmoji)(nil)).ModelTableExpr("custom_emojis").
			Set("file_key = ?", fileKey).Set("static_key = ?", staticKey).Set("content_type = ?", contentType).
			Set("copied_from = ?", url).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: emoji copied: %w", err)
		}
		return nil
	})
	return old, err
}
