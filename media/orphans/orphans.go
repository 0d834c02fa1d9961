// Package orphans removes media attachments nothing refers to, with their
// files: uploads that were never posted and the attachments of deleted
// statuses, once they have not changed for a day (long enough for
// delete-and-redraft to take them over).
package orphans

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// Defaults of Options.
const (
	DefaultMinAge   = 24 * time.Hour
	DefaultInterval = time.Hour
	batchSize       = 100
)

// Options configure a Sweeper. Zero values take the defaults.
type Options struct {
	DB     *db.DB
	Store  media.Store
	Logger *slog.Logger
	// MinAge is how long an attachment must have been left alone.
	MinAge time.Duration
	// Interval is the time between two sweeps of Run.
	Interval time.Duration
	// Now is the clock (tests move it forward).
	Now func() time.Time
}

// Sweeper finds and removes orphaned attachments.
type Sweeper struct {
	o Options
}

// New returns a Sweeper; Run starts it.
func New(o Options) *Sweeper {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MinAge <= 0 {
		o.MinAge = DefaultMinAge
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Sweeper{o: o}
}

// Run sweeps shortly after the start and then every Interval, until ctx is
// done. Several nodes may run it: each deletion is conditional, and
// deleting a file twice is harmless.
func (s *Sweeper) Run(ctx context.Context) {
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = s.o.Interval
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Warn("media: sweep orphaned attachments", "err", err)
		} else if n > 0 {
			s.o.Logger.Info("media: removed orphaned attachments", "count", n)
		}
	}
}

// Sweep removes every attachment orphaned for MinAge at the clock's now,
// rows first and then their files, and returns how many it removed. A file
// that cannot be deleted is logged and left behind (wasted space only).
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	before := s.o.Now().Add(-s.o.MinAge)
	total := 0
	for {
		list, err := s.o.DB.DeleteOrphanedMedia(ctx, before, batchSize)
		if err != nil {
			return total, err
		}
		total += len(list)
		for _, m := range list {
			for _, key := range []string{m.FileKey, m.PreviewKey} {
				if key == "" {
					continue
				}
				if err := s.o.Store.Delete(ctx, key); err != nil && !errors.Is(err, media.ErrNotFound) {
					s.o.Logger.Warn("media: delete file of an orphaned attachment", "key", key, "err", err)
				}
			}
		}
		if len(list) < batchSize {
			return total, nil
		}
	}
}
