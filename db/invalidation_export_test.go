package db

import (
	"context"
	"time"
)

// SetEpochRecheck sets how long d trusts the shared write counter without
// reading cache_epochs (a test hook).
func SetEpochRecheck(d *DB, every time.Duration) { d.epochs.recheck = every }

// HasEpochCounter reports whether d maps the shared write counter.
func HasEpochCounter(d *DB) bool { return d.epochs.counter != nil }

// DropEpochCounter makes d work as without the shared counter: it reads
// cache_epochs every time and tells no other process of its writes (a
// writer killed before it could), a test hook.
func DropEpochCounter(d *DB) { d.epochs.counter = nil }

// AwaitNotifications returns once d has heard every notification committed
// before the call (PostgreSQL delivers them in commit order, so a marker
// sent now comes back after them); at once on SQLite.
func AwaitNotifications(ctx context.Context, d *DB) error {
	ch := d.gens.channel.Load()
	if ch == nil {
		return nil
	}
	before := d.gens.markers.Load()
	if _, err := d.w.ExecContext(ctx, notifySQL(*ch, 0)); err != nil {
		return err
	}
	for deadline := time.Now().Add(5 * time.Second); d.gens.markers.Load() == before; {
		if time.Now().After(deadline) {
			return context.DeadlineExceeded
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
