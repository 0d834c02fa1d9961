package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kontor-social/kontor/db"
)

// Concurrent requests at the limit cannot each pass the count: with room
// for one keyword and one filter, eight racing additions of each leave
// exactly one.
func TestFilterLimitsHoldUnderConcurrency(t *testing.T) {
	forEachDialect(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		acct := &db.Account{Username: "jane", URI: "http://x/users/jane"}
		if err := store.CreateLocalAccount(ctx, acct, &db.User{Email: "jane@example.com"}); err != nil {
			t.Fatal(err)
		}
		edits := make([]db.FilterKeywordEdit, db.MaxKeywordsPerFilter-1)
		for i := range edits {
			edits[i] = db.FilterKeywordEdit{Keyword: fmt.Sprint("k", i)}
		}
		f := &db.Filter{AccountID: acct.ID, Title: "almost full", Contexts: []string{"home"}, Action: "warn"}
		if err := store.CreateFilter(ctx, f, edits); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < db.MaxFiltersPerAccount-1; i++ {
			if err := store.CreateFilter(ctx, &db.Filter{AccountID: acct.ID, Title: fmt.Sprint(i), Action: "warn"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		race := func(add func(i int) error) (ok, limited int) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range 8 {
				wg.Go(func() {
					err := add(i)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case errors.Is(err, db.ErrLimit):
						limited++
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			return ok, limited
		}
		if ok, limited := race(func(i int) error {
			return store.AddFilterKeyword(ctx, &db.FilterKeyword{FilterID: f.ID, Keyword: fmt.Sprint("race", i)})
		}); ok != 1 || limited != 7 {
			t.Errorf("keywords: %d added, %d refused", ok, limited)
		}
		if ok, limited := race(func(i int) error {
			return store.CreateFilter(ctx, &db.Filter{AccountID: acct.ID, Title: fmt.Sprint("race", i), Action: "warn"}, nil)
		}); ok != 1 || limited != 7 {
			t.Errorf("filters: %d created, %d refused", ok, limited)
		}
		list, err := store.Filters(ctx, acct.ID)
		if err != nil || len(list) != db.MaxFiltersPerAccount || len(list[0].Keywords) != db.MaxKeywordsPerFilter {
			t.Fatalf("stored: %d filters, err %v", len(list), err)
		}
	})
}
