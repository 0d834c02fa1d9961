package analytics

import (
	"context"
	"log/slog"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Sampling of posts: hourly while young, daily until old, then never.
//
// Engagement on the fediverse comes in the first hours of a post and has
// mostly stopped after a day or two, so hourly points for 48 hours show the
// curve where it moves, daily points until 30 days show the long tail, and
// a post then costs no more writes (its current numbers are always counted
// live). That is at most 48 + 29 rows per post, written by set-based
// statements in batches, so the job's cost follows the number of recent
// local posts, not the size of the instance.
const (
	HourlyFor = 48 * time.Hour
	DailyFor  = 30 * 24 * time.Hour
)

// DefaultInterval is how often Job runs: each run fills the current hour's
// sample of young posts (so a point is at most this late) and refreshes
// today's account rows.
const DefaultInterval = 10 * time.Minute

// sampleBatch bounds one INSERT … SELECT (SQLite has one writer).
const sampleBatch = 200

// Job keeps the history tables: every run writes the current bucket's
// sample of each recent post that has none yet (status_stats) and today's
// row of each local account whose counters changed (account_stats_daily).
// Runs are idempotent, so several processes on one PostgreSQL may run it.
type Job struct {
	DB       *db.DB
	Log      *slog.Logger
	Interval time.Duration    // default DefaultInterval
	Now      func() time.Time // the clock (nil: time.Now)
}

// NewJob returns the job of a store.
func NewJob(store *db.DB, log *slog.Logger) *Job {
	if log == nil {
		log = slog.Default()
	}
	return &Job{DB: store, Log: log.With("component", "analytics")}
}

// Run runs the job at once and then every Interval until ctx is done.
func (j *Job) Run(ctx context.Context) {
	every := j.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
			j.Log.Warn("analytics snapshot", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RunOnce samples recent posts and snapshots local accounts for the
// current time.
func (j *Job) RunOnce(ctx context.Context) error {
	now := time.Now()
	if j.Now != nil {
		now = j.Now()
	}
	now = now.UTC()
	for _, w := range sampleWindows(now) {
		from, to := db.MinIDAt(w.from), db.MinIDAt(w.to)
		for {
			n, err := j.DB.SampleStatuses(ctx, w.bucket, from, to, sampleBatch)
			if err != nil {
				return err
			}
			if n < sampleBatch {
				break
			}
		}
	}
	_, err := j.DB.SnapshotLocalAccounts(ctx, Day(now))
	return err
}

// sampleWindow is a range of post publication times [from, to) and the
// bucket their sample at this run belongs to.
type sampleWindow struct {
	from, to, bucket time.Time
}

// sampleWindows are the windows of a run at now: posts younger than
// HourlyFor get the sample of the current hour, older ones up to DailyFor
// the sample of the current day.
func sampleWindows(now time.Time) []sampleWindow {
	now = now.UTC()
	return []sampleWindow{
		{from: now.Add(-HourlyFor), to: now.Add(time.Millisecond), bucket: now.Truncate(time.Hour)},
		{from: now.Add(-DailyFor), to: now.Add(-HourlyFor), bucket: startOfDay(now)},
	}
}
