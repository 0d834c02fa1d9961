package db

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// The writer leaves checkpoints to the checkpointer: its own automatic one
// waits for a WAL ten times SQLite's default, and what it wrote still
// reaches the database file within a few of the checkpointer's ticks.
func TestSQLiteCheckpointsOffTheWriter(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/kontor.db"
	d, err := Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			d.Close()
		}
	}()
	var auto int
	if err := d.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != writerAutoCheckpoint {
		t.Fatalf("the writer checkpoints after %d pages, want %d", auto, writerAutoCheckpoint)
	}
	// ~2,000 pages: past SQLite's default automatic checkpoint, well short
	// of the writer's.
	if _, err := d.w.ExecContext(ctx, "CREATE TABLE filler (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	blob := strings.Repeat("x", 3000)
	for range 4 {
		err := d.tx(ctx, func(tx bun.Tx) error {
			for range 500 {
				if _, err := tx.ExecContext(ctx, "INSERT INTO filler (b) VALUES (?)", blob); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	const want = 2000 * 3000
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file holds %d bytes, want ≥ %d: the WAL was not checkpointed", st.Size(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := d.checkpoints
	closed = true
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	default:
		t.Fatal("the checkpointer still runs after Close")
	}
}
