package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
)

// Payloads sent together reach a listener, each once and in order.
func TestNotifySeveralPayloads(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		channel, err := store.BusChannel(ctx, "bustest")
		if err != nil {
			t.Fatal(err)
		}
		payloads, stop, err := store.Listen(ctx, channel)
		if !store.SharedBus() {
			if err != db.ErrNoBus {
				t.Fatalf("Listen on SQLite: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		// The listener may still be connecting: wait until it hears.
		for ready := false; !ready; {
			if err := store.Notify(ctx, channel, "ready?"); err != nil {
				t.Fatal(err)
			}
			select {
			case <-payloads:
				ready = true
			case <-time.After(100 * time.Millisecond):
			}
		}
	drain:
		for {
			select {
			case <-payloads:
			case <-time.After(200 * time.Millisecond):
				break drain
			}
		}
		sent := []string{`{"k":"create","s":1}`, `{"k":"create","s":2}`, `it's "quoted" ?`}
		if err := store.Notify(ctx, channel, sent...); err != nil {
			t.Fatal(err)
		}
		if err := store.Notify(ctx, channel, "last"); err != nil {
			t.Fatal(err)
		}
		for _, want := range append(sent, "last") {
			select {
			case got := <-payloads:
				if got != want {
					t.Fatalf("got %q, want %q", got, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%q never arrived", want)
			}
		}
	})
}
