package mediacache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// MaxEmojiBytes is the largest custom emoji image (Mastodon's limit).
const MaxEmojiBytes = 256 * 1024

// EmojiKeyKind is the first part of the storage keys of emoji images.
const EmojiKeyKind = "emoji"

// ErrEmojiType refuses an emoji image that is not PNG, GIF or WebP.
var ErrEmojiType = fmt.Errorf("%w: an emoji must be a PNG, GIF or WebP image", media.ErrUnsupportedType)

// EmojiImage is an emoji image processed and put in the store.
type EmojiImage struct {
	FileKey, StaticKey, ContentType string
}

// StoreEmojiImage checks and processes an emoji image (PNG, GIF or WebP of
// at most MaxEmojiBytes; metadata dropped as for uploads) and puts it in
// store under the emoji's id. Errors for bad files satisfy media.IsInvalid.
func StoreEmojiImage(ctx context.Context, store media.Store, id int64, data []byte) (*EmojiImage, error) {
	if len(data) > MaxEmojiBytes {
		return nil, fmt.Errorf("%w: an emoji may have at most %d KB", media.ErrTooLarge, MaxEmojiBytes/1024)
	}
	switch ct, _, _ := media.Sniff(data[:min(len(data), media.SniffLen)]); ct {
	case "image/png", "image/gif", "image/webp":
	default:
		return nil, ErrEmojiType
	}
	p, err := media.Process(bytes.NewReader(data), media.Limits{MaxImageBytes: MaxEmojiBytes, MaxVideoBytes: MaxEmojiBytes}, "")
	if err != nil {
		return nil, err
	}
	if p.Kind != media.KindImage {
		return nil, ErrEmojiType
	}
	name := db.FormatID(id)
	img := &EmojiImage{ContentType: p.ContentType, FileKey: media.Key(EmojiKeyKind, name, "original", p.Ext)}
	if err := store.Put(ctx, img.FileKey, p.ContentType, bytes.NewReader(p.Original), int64(len(p.Original))); err != nil {
		return nil, fmt.Errorf("media: store emoji: %w", err)
	}
	img.StaticKey = img.FileKey
	// An animated GIF also gets a still (its preview, the first frame) for
	// static_url, which apps show when animations are off.
	if p.ContentType == "image/gif" && len(p.Preview) > 0 {
		key := media.Key(EmojiKeyKind, name, "static", media.ExtFor(p.PreviewContentType))
		if err := store.Put(ctx, key, p.PreviewContentType, bytes.NewReader(p.Preview), int64(len(p.Preview))); err != nil {
			DeleteEmojiImage(ctx, store, img.FileKey)
			return nil, fmt.Errorf("media: store emoji: %w", err)
		}
		img.StaticKey = key
	}
	return img, nil
}

// DeleteEmojiImage removes an emoji's files (keys may repeat or be empty);
// a file already gone is no error.
func DeleteEmojiImage(ctx context.Context, store media.Store, keys ...string) error {
	var errs []error
	seen := map[string]bool{}
	for _, k := range keys {
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		if err := store.Delete(ctx, k); err != nil && !errors.Is(err, media.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Emojis copies the images of remote custom emoji into the store, in the
// background (never on the inbox path), so that entities never hotlink a
// peer's image. It runs whatever media_cache_remote says: emoji are small,
// and shown on every post that uses them.
type Emojis struct {
	o  Options
	mu sync.Mutex
}

// NewEmojis returns an emoji copier; Run starts it. Only DB, Store, Client,
// Logger and Interval of o are used.
func NewEmojis(o Options) *Emojis {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	return &Emojis{o: o}
}

// Run copies new remote emoji images every Interval until ctx is done.
func (c *Emojis) Run(ctx context.Context) {
	every(ctx, c.o, "media: copy remote emoji", c.CopyNew)
}

// CopyNew copies the images of remote emoji that have none for their
// current URL and were not tried, and returns how many it stored. Each URL
// is tried once.
func (c *Emojis) CopyNew(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stored := 0
	for {
		list, err := c.o.DB.RemoteEmojisToCopy(ctx, batchSize)
		if err != nil {
			return stored, err
		}
		for _, e := range list {
			ok, err := c.copy(ctx, e)
			if err != nil {
				return stored, err
			}
			if ok {
				stored++
			}
		}
		if len(list) < batchSize {
			return stored, nil
		}
	}
}

func (c *Emojis) copy(ctx context.Context, e *db.CustomEmoji) (bool, error) {
	claimed, err := c.o.DB.ClaimEmojiCopy(ctx, e.ID, e.ImageRemoteURL)
	if err != nil || !claimed {
		return false, err
	}
	log := c.o.Logger.With("emoji", e.Shortcode, "domain", e.Domain, "url", e.ImageRemoteURL)
	body, _, err := c.o.Client.GetMedia(ctx, e.ImageRemoteURL, MaxEmojiBytes)
	if err != nil {
		log.Info("media: remote emoji not copied", "err", err)
		return false, nil
	}
	// A fresh id per copy: a new image never overwrites the old file that
	// caches may still hold under the same URL.
	img, err := StoreEmojiImage(ctx, c.o.Store, c.o.DB.NewID(), body)
	if err != nil {
		if media.IsInvalid(err) {
			log.Info("media: remote emoji not copied", "err", err)
			return false, nil
		}
		return false, err
	}
	old, err := c.o.DB.SetEmojiCopied(ctx, e.ID, e.ImageRemoteURL, img.FileKey, img.StaticKey, img.ContentType)
	if errors.Is(err, db.ErrNotFound) {
		return false, DeleteEmojiImage(ctx, c.o.Store, img.FileKey, img.StaticKey)
	}
	if err != nil {
		_ = DeleteEmojiImage(ctx, c.o.Store, img.FileKey, img.StaticKey)
		return false, err
	}
	if err := DeleteEmojiImage(ctx, c.o.Store, old...); err != nil {
		log.Warn("media: delete replaced emoji image", "err", err)
	}
	return true, nil
}
