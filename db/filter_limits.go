package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// Limits on content filters. Every keyword of an account's active filters
// is matched against every status of its timelines and streams, so their
// number bounds the cost of each page (10,000 keywords made one home
// timeline ten times slower). Mastodon sets no such limits; these leave
// room for any real use.
const (
	MaxFiltersPerAccount        = 100
	MaxKeywordsPerFilter        = 100
	MaxFilterKeywordsPerAccount = 1000
)

// ErrLimit is returned when a change would take an account over one of
// the limits on what it may store; the error's text says which.
var ErrLimit = errors.New("limit reached")

type limitError struct{ msg string }

func (e *limitError) Error() string        { return e.msg }
func (e *limitError) Is(target error) bool { return target == ErrLimit }

// filterLockClass is the first key of the PostgreSQL advisory lock that
// serializes one account's changes adding filters or keywords; the
// two-key space does not overlap the one migrations lock in.
const filterLockClass = 0x66696c74 // "filt"

// checkFilterLimits is called inside the transaction of a change that
// adds filters or keywords to accountID's filters, after its writes (which
// roll back with the error). filterID names the filter that grew (0: none).
// On PostgreSQL it first waits for the account's other such changes, so
// that two requests cannot each pass the count.
func (d *DB) checkFilterLimits(ctx context.Context, tx bun.Tx, accountID, filterID int64) error {
	if d.dialect == Postgres {
		// Taken after the writes it still covers the counts: a concurrent
		// change commits before this lock is released to us, and READ
		// COMMITTED reads it from the next statement on.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, ?)", filterLockClass, int32(accountID^accountID>>32)); err != nil {
			return fmt.Errorf("db: filter limits: %w", err)
		}
	}
	filters, err := tx.NewSelect().Table("filters").Where("account_id = ?", accountID).Count(ctx)
	if err != nil {
		return fmt.Errorf("db: filter limits: %w", err)
	}
	if filters > MaxFiltersPerAccount {
		return &limitError{fmt.Sprintf("an account may have at most %d filters", MaxFiltersPerAccount)}
	}
	if filterID != 0 {
		n, err := tx.NewSelect().Table("filter_keywords").Where("filter_id = ?", filterID).Count(ctx)
		if err != nil {
			return fmt.Errorf("db: filter limits: %w", err)
		}
		if n > MaxKeywordsPerFilter {
			return &limitError{fmt.Sprintf("a filter may have at most %d keywords", MaxKeywordsPerFilter)}
		}
	}
	n, err := tx.NewSelect().Table("filter_keywords").
		Where("filter_id IN (SELECT id FROM filters WHERE account_id = ?)", accountID).Count(ctx)
	if err != nil {
		return fmt.Errorf("db: filter limits: %w", err)
	}
	if n > MaxFilterKeywordsPerAccount {
		return &limitError{fmt.Sprintf("an account's filters may have at most %d keywords in all", MaxFilterKeywordsPerAccount)}
	}
	return nil
}

// addsKeywords reports whether edits add a keyword.
func addsKeywords(edits []FilterKeywordEdit) bool {
	for _, e := range edits {
		if e.ID == 0 && !e.Destroy {
			return true
		}
	}
	return false
}
