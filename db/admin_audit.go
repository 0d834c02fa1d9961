package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// AdminAction is one entry of the audit log: an admin or moderator (nil
// AccountID: the command line) did Action to a target, with a reason.
type AdminAction struct {
	bun.BaseModel `bun:"table:admin_actions,alias:aa"`

	ID          int64     `bun:"id,pk"`
	AccountID   *int64    `bun:"account_id"`
	Action      string    `bun:"action"`      // e.g. suspend, resolve, create
	TargetType  string    `bun:"target_type"` // Account, Report, DomainBlock …
	TargetID    int64     `bun:"target_id"`
	TargetLabel string    `bun:"target_label"` // what the target was called (it may be gone later)
	Text        string    `bun:"text"`
	CreatedAt   time.Time `bun:"created_at"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id"`
}

// RecordAdminAction writes an entry of the audit log.
func (d *DB) RecordAdminAction(ctx context.Context, a *AdminAction) error {
	a.ID, a.CreatedAt = d.NewID(), now()
	if _, err := d.w.NewInsert().Model(a).Exec(ctx); err != nil {
		return fmt.Errorf("db: record admin action: %w", err)
	}
	return nil
}

// AdminActionFilter narrows the audit log; zero fields do not filter.
type AdminActionFilter struct {
	AccountID  int64
	Action     string
	TargetType string
	TargetID   int64
}

// AdminActions lists the audit log, newest first.
func (d *DB) AdminActions(ctx context.Context, f AdminActionFilter, p Page) ([]*AdminAction, error) {
	var list []*AdminAction
	q := d.r.NewSelect().Model(&list).Relation("Account")
	if f.AccountID != 0 {
		q = q.Where("aa.account_id = ?", f.AccountID)
	}
	if f.Action != "" {
		q = q.Where("aa.action = ?", f.Action)
	}
	if f.TargetType != "" {
		q = q.Where("aa.target_type = ?", f.TargetType)
	}
	if f.TargetID != 0 {
		q = q.Where("aa.target_id = ?", f.TargetID)
	}
	if err := p.apply(q, "aa.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: admin actions: %w", err)
	}
	return newestFirst(p, list), nil
}
