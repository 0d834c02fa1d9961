package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Filter is a user's content filter (Mastodon filters v2).
type Filter struct {
	bun.BaseModel `bun:"table:filters,alias:fl"`

	ID        int64      `bun:"id,pk"`
	AccountID int64      `bun:"account_id"`
	Title     string     `bun:"title"`
	Contexts  []string   `bun:"contexts,type:text"`
	Action    string     `bun:"action"` // warn, hide, blur
	ExpiresAt *time.Time `bun:"expires_at"`
	CreatedAt time.Time  `bun:"created_at"`

	Keywords []*FilterKeyword `bun:"rel:has-many,join:id=filter_id"`
	Statuses []*FilterStatus  `bun:"rel:has-many,join:id=filter_id"`
}

// FilterKeyword is a word or phrase a filter matches.
type FilterKeyword struct {
	bun.BaseModel `bun:"table:filter_keywords,alias:fk"`

	ID        int64  `bun:"id,pk"`
	FilterID  int64  `bun:"filter_id"`
	Keyword   string `bun:"keyword"`
	WholeWord bool   `bun:"whole_word"`
}

// FilterStatus is a single status a filter matches.
type FilterStatus struct {
	bun.BaseModel `bun:"table:filter_statuses,alias:fs"`

	ID       int64 `bun:"id,pk"`
	FilterID int64 `bun:"filter_id"`
	StatusID int64 `bun:"status_id"`
}

// activeFilter is the condition of an unexpired filter (fl), as of ?.
const activeFilter = "(fl.expires_at IS NULL OR fl.expires_at > ?)"

// ActiveFilters returns an account's unexpired filters with their keywords
// and statuses.
func (d *DB) ActiveFilters(ctx context.Context, accountID int64) ([]*Filter, error) {
	var list []*Filter
	err := d.r.NewSelect().Model(&list).Relation("Keywords").Relation("Statuses").
		Where("fl.account_id = ?", accountID).Where(activeFilter, now()).
		Order("fl.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: filters: %w", err)
	}
	return list, nil
}

// ActiveFiltersOf is ActiveFilters for many accounts in a fixed number of
// queries: each account's unexpired filters with keywords and statuses.
func (d *DB) ActiveFiltersOf(ctx context.Context, accountIDs []int64) (map[int64][]*Filter, error) {
	out := map[int64][]*Filter{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var list []*Filter
	err := d.r.NewSelect().Model(&list).Relation("Keywords").Relation("Statuses").
		Where("fl.account_id IN (?)", bun.List(accountIDs)).Where(activeFilter, now()).
		Order("fl.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: filters of accounts: %w", err)
	}
	for _, f := range list {
		out[f.AccountID] = append(out[f.AccountID], f)
	}
	return out, nil
}

// FilterKeywordEdit is one change to a filter's keywords: a new keyword
// (ID 0), a changed one, or one to delete (Destroy).
type FilterKeywordEdit struct {
	ID        int64
	Keyword   string
	WholeWord bool
	Destroy   bool
}

// Filters returns all of an account's filters (expired ones too) with
// their keywords and statuses, oldest first.
func (d *DB) Filters(ctx context.Context, accountID int64) ([]*Filter, error) {
	var list []*Filter
	err := d.r.NewSelect().Model(&list).Relation("Keywords", orderByID).Relation("Statuses", orderByID).
		Where("fl.account_id = ?", accountID).Order("fl.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: filters: %w", err)
	}
	return list, nil
}

func orderByID(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("id ASC") }

// FilterByID returns one of ownerID's filters with its keywords and statuses.
func (d *DB) FilterByID(ctx context.Context, ownerID, id int64) (*Filter, error) {
	f := new(Filter)
	err := d.r.NewSelect().Model(f).Relation("Keywords", orderByID).Relation("Statuses", orderByID).
		Where("fl.id = ? AND fl.account_id = ?", id, ownerID).Scan(ctx)
	return f, notFound(err)
}

// CreateFilter stores a new filter with its keywords.
func (d *DB) CreateFilter(ctx context.Context, f *Filter, keywords []FilterKeywordEdit) error {
	f.ID, f.CreatedAt = d.NewID(), now()
	if f.Contexts == nil {
		f.Contexts = []string{}
	}
	return d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
			return fmt.Errorf("db: create filter: %w", err)
		}
		if err := d.editFilterKeywords(ctx, tx, f.ID, keywords); err != nil {
			return err
		}
		return d.checkFilterLimits(ctx, tx, f.AccountID, f.ID)
	})
}

// UpdateFilter saves a filter's title, contexts, action and expiry, and
// applies keyword edits; an edit of a keyword the filter does not have is
// ErrNotFound (and nothing is changed).
func (d *DB) UpdateFilter(ctx context.Context, f *Filter, keywords []FilterKeywordEdit) error {
	if f.Contexts == nil {
		f.Contexts = []string{}
	}
	return d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model(f).Column("title", "contexts", "action", "expires_at").
			Where("id = ? AND account_id = ?", f.ID, f.AccountID).Exec(ctx)
		if err := exactlyOne(res, err, "update filter"); err != nil {
			return err
		}
		if err := d.editFilterKeywords(ctx, tx, f.ID, keywords); err != nil || !addsKeywords(keywords) {
			return err
		}
		return d.checkFilterLimits(ctx, tx, f.AccountID, f.ID)
	})
}

func (d *DB) editFilterKeywords(ctx context.Context, tx bun.Tx, filterID int64, edits []FilterKeywordEdit) error {
	for _, e := range edits {
		switch {
		case e.ID != 0 && e.Destroy:
			res, err := tx.NewDelete().Model((*FilterKeyword)(nil)).Where("id = ? AND filter_id = ?", e.ID, filterID).Exec(ctx)
			if err := exactlyOne(res, err, "delete filter keyword"); err != nil {
				return err
			}
		case e.ID != 0:
			res, err := tx.NewUpdate().Model((*FilterKeyword)(nil)).Set("keyword = ?", e.Keyword).Set("whole_word = ?", e.WholeWord).
				Where("id = ? AND filter_id = ?", e.ID, filterID).Exec(ctx)
			if err := exactlyOne(res, err, "update filter keyword"); err != nil {
				return err
			}
		case !e.Destroy:
			k := &FilterKeyword{ID: d.NewID(), FilterID: filterID, Keyword: e.Keyword, WholeWord: e.WholeWord}
			if _, err := tx.NewInsert().Model(k).Exec(ctx); err != nil {
				return fmt.Errorf("db: add filter keyword: %w", err)
			}
		}
	}
	return nil
}

// DeleteFilter deletes one of ownerID's filters with its keywords and statuses.
func (d *DB) DeleteFilter(ctx context.Context, ownerID, id int64) error {
	res, err := d.w.NewDelete().Model((*Filter)(nil)).Where("id = ? AND account_id = ?", id, ownerID).Exec(ctx)
	return exactlyOne(res, err, "delete filter")
}

// FilterKeywordByID returns a keyword of one of ownerID's filters.
func (d *DB) FilterKeywordByID(ctx context.Context, ownerID, id int64) (*FilterKeyword, error) {
	k := new(FilterKeyword)
	err := d.r.NewSelect().Model(k).Where("fk.id = ?", id).
		Where("EXISTS (SELECT 1 FROM filters f WHERE f.id = fk.filter_id AND f.account_id = ?)", ownerID).Scan(ctx)
	return k, notFound(err)
}

// AddFilterKeyword adds a keyword to a filter (the caller checked ownership).
func (d *DB) AddFilterKeyword(ctx context.Context, k *FilterKeyword) error {
	k.ID = d.NewID()
	return d.tx(ctx, func(tx bun.Tx) error {
		var owner int64
		if err := tx.NewSelect().Table("filters").Column("account_id").Where("id = ?", k.FilterID).Scan(ctx, &owner); err != nil {
			return notFound(err)
		}
		if _, err := tx.NewInsert().Model(k).Exec(ctx); err != nil {
			return fmt.Errorf("db: add filter keyword: %w", err)
		}
		return d.checkFilterLimits(ctx, tx, owner, k.FilterID)
	})
}

// UpdateFilterKeyword saves a keyword of one of ownerID's filters.
func (d *DB) UpdateFilterKeyword(ctx context.Context, ownerID int64, k *FilterKeyword) error {
	res, err := d.w.NewUpdate().Model(k).Column("keyword", "whole_word").Where("id = ?", k.ID).
		Where("filter_id IN (SELECT id FROM filters WHERE account_id = ?)", ownerID).Exec(ctx)
	return exactlyOne(res, err, "update filter keyword")
}

// DeleteFilterKeyword deletes a keyword of one of ownerID's filters.
func (d *DB) DeleteFilterKeyword(ctx context.Context, ownerID, id int64) error {
	res, err := d.w.NewDelete().Model((*FilterKeyword)(nil)).Where("id = ?", id).
		Where("filter_id IN (SELECT id FROM filters WHERE account_id = ?)", ownerID).Exec(ctx)
	return exactlyOne(res, err, "delete filter keyword")
}

// FilterStatusByID returns a status entry of one of ownerID's filters.
func (d *DB) FilterStatusByID(ctx context.Context, ownerID, id int64) (*FilterStatus, error) {
	fs := new(FilterStatus)
	err := d.r.NewSelect().Model(fs).Where("fs.id = ?", id).
		Where("EXISTS (SELECT 1 FROM filters f WHERE f.id = fs.filter_id AND f.account_id = ?)", ownerID).Scan(ctx)
	return fs, notFound(err)
}

// AddFilterStatus adds a status to a filter (the caller checked ownership
// and that the owner may see the status); ErrConflict when it is there already.
func (d *DB) AddFilterStatus(ctx context.Context, fs *FilterStatus) error {
	return d.tx(ctx, func(tx bun.Tx) error {
		dup, err := tx.NewSelect().Model((*FilterStatus)(nil)).Where("filter_id = ? AND status_id = ?", fs.FilterID, fs.StatusID).Exists(ctx)
		if err != nil {
			return fmt.Errorf("db: add filter status: %w", err)
		}
		if dup {
			return fmt.Errorf("status %w", ErrConflict)
		}
		fs.ID = d.NewID()
		if _, err := tx.NewInsert().Model(fs).Exec(ctx); err != nil {
			return fmt.Errorf("db: add filter status: %w", err)
		}
		return nil
	})
}

// DeleteFilterStatus removes a status entry of one of ownerID's filters.
func (d *DB) DeleteFilterStatus(ctx context.Context, ownerID, id int64) error {
	res, err := d.w.NewDelete().Model((*FilterStatus)(nil)).Where("id = ?", id).
		Where("filter_id IN (SELECT id FROM filters WHERE account_id = ?)", ownerID).Exec(ctx)
	return exactlyOne(res, err, "delete filter status")
}
