package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/uptrace/bun/driver/pgdriver"
)

// ErrNoBus is returned by Listen when the store cannot carry notifications
// between processes (SQLite: there is only one process).
var ErrNoBus = errors.New("db: this store has no cross-process notifications")

// SharedBus reports whether several processes may share this store, so that
// events must cross processes through Notify and Listen (PostgreSQL).
func (d *DB) SharedBus() bool { return d.dialect == Postgres }

// BusChannel names a bus channel scoped to the current schema: PostgreSQL
// channels are per database, and several instances (test harnesses among
// them) may keep their own schemas in one database. Pass its result to
// Notify and Listen.
func (d *DB) BusChannel(ctx context.Context, name string) (string, error) {
	if !d.SharedBus() {
		return name, nil
	}
	var schema string
	if err := d.w.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", fmt.Errorf("db: current schema: %w", err)
	}
	sum := sha256.Sum256([]byte(schema))
	return "kontor_" + name + "_" + hex.EncodeToString(sum[:6]), nil
}

// Notify sends each payload (at most ~8000 bytes each) to every process
// listening on channel, the sender included, in order. It does nothing on
// SQLite.
//
// Several payloads go in one transaction, which does not wait for the WAL
// flush: a NOTIFY takes a transaction id, so each one alone was a commit
// that waited for the disk (one per stored status under an inbox flood).
// A notification is not durable anyway: listeners get it at the commit,
// and one lost in a crash was lost with the process either way.
// PostgreSQL drops a payload that repeats one of the same transaction:
// callers keep repeats for the next call.
func (d *DB) Notify(ctx context.Context, channel string, payloads ...string) error {
	if !d.SharedBus() || len(payloads) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("SET LOCAL synchronous_commit TO off; SELECT ")
	args := make([]any, 0, 2*len(payloads))
	for i, p := range payloads {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("pg_notify(?, ?)")
		args = append(args, channel, p)
	}
	if _, err := d.w.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("db: notify: %w", err)
	}
	return nil
}

// Listen receives the payloads sent to channel on a dedicated connection
// that reconnects by itself (notifications sent while it reconnects are
// lost). stop closes the connection and then the returned channel.
// ErrNoBus on SQLite.
func (d *DB) Listen(ctx context.Context, channel string) (payloads <-chan string, stop func(), err error) {
	if !d.SharedBus() {
		return nil, nil, ErrNoBus
	}
	ln := pgdriver.NewListener(d.w)
	if err := ln.Listen(ctx, channel); err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("db: listen: %w", err)
	}
	in := ln.Channel(pgdriver.WithChannelSize(4096))
	out := make(chan string, 64)
	go func() {
		defer close(out)
		for n := range in {
			if n.Channel == channel {
				out <- n.Payload
			}
		}
	}()
	var once sync.Once
	return out, func() { once.Do(func() { ln.Close() }) }, nil
}
