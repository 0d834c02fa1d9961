// Package mediacache keeps copies of remote posts' attachments in the media
// store (media_cache_remote). A background job picks up attachments the
// inbox recorded by URL, fetches them through the SSRF-guarded transport
// client (never on the inbox path), tells their type from the bytes and
// processes them as uploads are: images re-encoded without metadata, with a
// preview and a blurhash; video and audio kept as they are. Prune removes
// old copies; the attachments keep their remote URLs and render from them.
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

// Fetcher downloads a remote file of at most maxBytes
// (transport.Client.GetMedia).
type Fetcher interface {
	GetMedia(ctx context.Context, url string, maxBytes int64) ([]byte, string, error)
}

// Defaults of Options.
const (
	DefaultInterval = 2 * time.Second
	DefaultWindow   = 24 * time.Hour
	batchSize       = 20
)

// KeyKind is the first part of the storage keys of copies.
const KeyKind = "remote"

// Options configure a Cache.
type Options struct {
	DB     *db.DB
	Store  media.Store
	Client Fetcher
	Logger *slog.Logger
	// MaxBytes is the largest file copied (media_remote_max_bytes).
	MaxBytes int64
	// MaxImagePixels bounds decoded images (media_max_image_pixels).
	MaxImagePixels int
	// Interval is how often Run looks for new attachments.
	Interval time.Duration
	// Window is how far back the first look goes (attachments recorded
	// while the cache was off or the process down).
	Window time.Duration
	// Now is the clock.
	Now func() time.Time
}

// Cache copies remote attachments into the store.
type Cache struct {
	o     Options
	mu    sync.Mutex // one pass at a time
	after int64      // attachments up to this ID were looked at
}

// New returns a Cache; Run starts it.
func New(o Options) *Cache {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Cache{o: o, after: db.MinIDAt(o.Now().Add(-o.Window))}
}

// Run copies new remote attachments every Interval until ctx is done.
func (c *Cache) Run(ctx context.Context) {
	every(ctx, c.o, "media: cache remote attachments", c.CacheNew)
}

// every runs step every o.Interval until ctx is done, logging its errors
// as what.
func every(ctx context.Context, o Options, what string, step func(context.Context) (int, error)) {
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := step(ctx); err != nil && ctx.Err() == nil {
			o.Logger.Warn(what, "err", err)
		}
	}
}

// CacheNew copies the remote attachments recorded since the last call (at
// first, within Window) that no node has tried yet, and returns how many it
// stored. Each is tried once: a failure leaves it rendering from its
// remote URL. Calls wait for each other.
func (c *Cache) CacheNew(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stored := 0
	for {
		list, err := c.o.DB.RemoteMediaToCache(ctx, c.after, batchSize)
		if err != nil {
			return stored, err
		}
		for _, m := range list {
			c.after = m.ID
			ok, err := c.cache(ctx, m)
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

// cache claims, fetches, processes and stores one attachment. Problems of
// the remote file are logged and reported as not stored; errors of our
// own store or database are returned.
func (c *Cache) cache(ctx context.Context, m *db.MediaAttachment) (bool, error) {
	claimed, err := c.o.DB.ClaimMediaCache(ctx, m.ID)
	if err != nil || !claimed {
		return false, err
	}
	log := c.o.Logger.With("media", m.ID, "url", m.RemoteURL)
	body, _, err := c.o.Client.GetMedia(ctx, m.RemoteURL, c.o.MaxBytes)
	if err != nil {
		log.Info("media: remote attachment not copied", "err", err)
		return false, nil
	}
	limits := media.Limits{MaxImageBytes: c.o.MaxBytes, MaxVideoBytes: c.o.MaxBytes, MaxImagePixels: c.o.MaxImagePixels}
	p, err := media.Process(bytes.NewReader(body), limits, "")
	if err != nil {
		if media.IsInvalid(err) {
			log.Info("media: remote attachment not copied", "err", err)
			return false, nil
		}
		return false, err
	}

	id := db.FormatID(m.ID)
	var keys []string
	put := func(key, contentType string, data []byte) error {
		if err := c.o.Store.Put(ctx, key, contentType, bytes.NewReader(data), int64(len(data))); err != nil {
			return err
		}
		keys = append(keys, key)
		return nil
	}
	m.FileKey = media.Key(KeyKind, id, "original", p.Ext)
	err = put(m.FileKey, p.ContentType, p.Original)
	if err == nil && len(p.Preview) > 0 {
		m.PreviewKey = media.Key(KeyKind, id, "small", media.ExtFor(p.PreviewContentType))
		err = put(m.PreviewKey, p.PreviewContentType, p.Preview)
	}
	if err == nil {
		m.Kind, m.ContentType, m.FileSize = string(p.Kind), p.ContentType, int64(len(p.Original))
		if o := p.Meta.Original; o != nil {
			m.Meta.Original = &db.MediaDimensions{Width: o.Width, Height: o.Height, Size: o.Size, Aspect: o.Aspect}
		}
		if s := p.Meta.Small; s != nil {
			m.Meta.Small = &db.MediaDimensions{Width: s.Width, Height: s.Height, Size: s.Size, Aspect: s.Aspect}
		}
		if m.Blurhash == "" {
			m.Blurhash = p.Blurhash
		}
		err = c.o.DB.SetMediaCached(ctx, m)
		if errors.Is(err, db.ErrNotFound) { // its status was deleted meanwhile
			err = nil
			c.deleteKeys(keys)
			return false, nil
		}
	}
	if err != nil {
		c.deleteKeys(keys)
		return false, fmt.Errorf("media: copy of %d: %w", m.ID, err)
	}
	return true, nil
}

func (c *Cache) deleteKeys(keys []string) {
	for _, k := range keys {
		if err := c.o.Store.Delete(context.Background(), k); err != nil {
			c.o.Logger.Warn("media: delete file", "key", k, "err", err)
		}
	}
}

// PruneResult counts what Prune removed.
type PruneResult struct {
	Attachments int64 // attachments whose copy is gone
	Files       int64 // files deleted (originals and previews)
	Bytes       int64 // size of the originals deleted
}

// Prune removes the stored copies of remote attachments made before
// `before`, keeping the attachments (they render from their remote URLs
// again, and are not copied again). progress, when set, is called after
// each attachment with the count so far and the total found at the start.
func Prune(ctx context.Context, d *db.DB, store media.Store, before time.Time, progress func(done, total int64)) (PruneResult, error) {
	var res PruneResult
	total, err := d.CountCachedRemoteMedia(ctx, before)
	if err != nil || total == 0 {
		return res, err
	}
	var after int64
	for {
		list, err := d.CachedRemoteMedia(ctx, before, after, 100)
		if err != nil {
			return res, err
		}
		for _, m := range list {
			after = m.ID
			// The row first: a failure then leaves a stray file, never an
			// attachment pointing at a missing one.
			if err := d.ClearMediaCache(ctx, m.ID); err != nil {
				return res, err
			}
			for _, key := range []string{m.FileKey, m.PreviewKey} {
				if key == "" {
					continue
				}
				if err := store.Delete(ctx, key); err != nil {
					return res, fmt.Errorf("media: prune %d: %w", m.ID, err)
				}
				res.Files++
			}
			res.Attachments++
			res.Bytes += m.FileSize
			if progress != nil {
				progress(res.Attachments, max(total, res.Attachments))
			}
		}
		if len(list) < 100 {
			return res, nil
		}
	}
}
