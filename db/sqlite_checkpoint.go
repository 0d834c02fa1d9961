package db

import (
	"context"
	"database/sql"
	"time"
)

// The WAL's checkpoints run on a connection of their own. SQLite's automatic
// checkpoint runs inside the COMMIT that takes the WAL past 1,000 pages, on
// the one writer connection that every write waits for: under the inbox's
// load that was a tenth of the committer's time (copying pages into the
// database file, then its fsync). A passive checkpoint from another
// connection copies the same pages while the writer goes on (it waits for no
// reader or writer), and the writer still restarts the WAL from its start
// once a checkpoint has copied all of it. The writer keeps an automatic
// checkpoint at a larger size, for when this one falls behind.

const (
	// checkpointEvery is how often the checkpointer looks at the WAL; when
	// nothing was written since, a look costs a few microseconds.
	checkpointEvery = 250 * time.Millisecond
	// writerAutoCheckpoint (pages) is the writer's own automatic
	// checkpoint: the safety net, at ten times SQLite's default.
	writerAutoCheckpoint = 10000
)

// checkpointer runs passive checkpoints until stopped.
type checkpointer struct {
	conn *sql.DB
	stop context.CancelFunc
	done chan struct{}
}

// startCheckpointer opens the checkpointer's connection with dsn (the
// writer's, without its transaction options) and starts it.
func (d *DB) startCheckpointer(dsn string) error {
	conn, err := d.openSQLitePool(dsn)
	if err != nil {
		return err
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, stop: stop, done: make(chan struct{})}
	d.checkpoints = c
	go c.run(ctx)
	return nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// A checkpoint that fails (SQLITE_BUSY while the file is being
		// restored, say) is tried again at the next tick, and the writer's
		// own checkpoint stays the safety net: nothing to report.
		c.checkpoint(ctx) //nolint:errcheck
	}
}

// checkpoint copies what it can of the WAL into the database file and
// returns the WAL's frames and how many of them are in the file now.
func (c *checkpointer) checkpoint(ctx context.Context) (frames, copied int, err error) {
	var busy int
	err = c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	return frames, copied, err
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.conn.Close()
}
