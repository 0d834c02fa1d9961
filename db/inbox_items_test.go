package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// Concurrent receivers share INSERTs of inbox items: each returns once its
// own row is stored, and every row is.
func TestInboxItemsInsertedTogether(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				it := &db.InboxItem{ActivityURI: fmt.Sprintf("https://remote.example/activities/%d", i), Signer: "https://remote.example/users/a", Body: []byte(`{"n":1}`)}
				errs <- store.InsertInboxItem(ctx, it, 0)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, err := store.InboxBacklog(ctx); err != nil || got != n {
			t.Fatalf("%d items stored (%v), want %d", got, err, n)
		}
		items, err := store.ClaimInboxItems(ctx, n, 0)
		if err != nil || len(items) != n {
			t.Fatalf("claimed %d (%v)", len(items), err)
		}
		if string(items[0].Body) != `{"n":1}` {
			t.Errorf("body %q", items[0].Body)
		}
	})
}
