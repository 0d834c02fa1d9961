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

// ActiveFilters returns an account's unexpired filters with their keywords
// and statuses.
func (d *DB) ActiveFilters(ctx context.Context, accountID int64) ([]*Filter, error) {
	var list []*Filter
	err := d.r.NewSelect().Model(&list).Relation("Keywords").Relation("Statuses").
		Where("fl.account_id = ?", accountID).Where("fl.expires_at IS NULL OR fl.expires_at > ?", now()).
		Order("fl.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: filters: %w", err)
	}
	return list, nil
}
