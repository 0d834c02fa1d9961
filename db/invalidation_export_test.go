package db

import "time"

// SetEpochRecheck sets how long d trusts the shared write counter without
// reading cache_epochs (a test hook).
func SetEpochRecheck(d *DB, every time.Duration) { d.epochs.recheck = every }

// HasEpochCounter reports whether d maps the shared write counter.
func HasEpochCounter(d *DB) bool { return d.epochs.counter != nil }

// DropEpochCounter makes d work as without the shared counter: it reads
// cache_epochs every time and tells no other process of its writes (a
// writer killed before it could), a test hook.
func DropEpochCounter(d *DB) { d.epochs.counter = nil }
