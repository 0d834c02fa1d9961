package db

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

func TestSQLiteReadersCloseWhenIdle(t *testing.T) {
	old := readerIdleTime
	readerIdleTime = 50 * time.Millisecond
	t.Cleanup(func() { readerIdleTime = old })
	ctx := context.Background()
	d, err := Open(ctx, "sqlite://"+t.TempDir()+"/kontor.db")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A burst: three readers busy at once.
	var conns []bun.Conn
	for range 3 {
		c, err := d.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		var one int
		if err := c.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if open := d.r.Stats().OpenConnections; open < 3 {
		t.Fatalf("%d readers open after the burst, want 3", open)
	}
	deadline := time.Now().Add(5 * time.Second)
	for d.r.Stats().OpenConnections > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle readers still open", d.r.Stats().OpenConnections)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The pool opens a reader again for the next read.
	if err := d.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
