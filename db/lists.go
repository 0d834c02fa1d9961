package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ListTarget is a list that shows a status, and its owner.
type ListTarget struct {
	ListID  int64 `bun:"list_id"`
	OwnerID int64 `bun:"owner_id"`
}

// ListsShowing returns which of listIDs show a status: it is by a member
// (a boost too, unless the owner turned off the member's boosts), and a
// reply only as the list's replies policy allows (self-replies and replies
// to the owner always) — the rule of the list timeline. Whether the owner
// may see it is StatusAudience's business.
func (d *DB) ListsShowing(ctx context.Context, statusID int64, listIDs []int64) ([]ListTarget, error) {
	if len(listIDs) == 0 {
		return nil, nil
	}
	var out []ListTarget
	err := d.r.NewRaw(`SELECT l.id AS list_id, l.account_id AS owner_id FROM lists l JOIN statuses s ON s.id = ?
		WHERE l.id IN (?)
		AND EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id AND la.account_id = s.account_id)
		AND (s.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM follows lf WHERE lf.account_id = l.account_id AND lf.target_account_id = s.account_id AND lf.show_reblogs = FALSE))
		AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = l.account_id
			OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows lr WHERE lr.account_id = l.account_id AND lr.target_account_id = s.in_reply_to_account_id AND lr.accepted = TRUE))
			OR (l.replies_policy NOT IN ('followed', 'none') AND EXISTS (SELECT 1 FROM list_accounts lm WHERE lm.list_id = l.id AND lm.account_id = s.in_reply_to_account_id)))`,
		statusID, bun.List(listIDs)).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("db: lists showing: %w", err)
	}
	return out, nil
}

// ListOwner returns the account that owns a list (ErrNotFound if none).
func (d *DB) ListOwner(ctx context.Context, listID int64) (int64, error) {
	var owner int64
	err := d.r.NewRaw("SELECT account_id FROM lists WHERE id = ?", listID).Scan(ctx, &owner)
	return owner, notFound(err)
}

// ListSummary is a list as the account endpoints show it.
type ListSummary struct {
	ID            int64  `bun:"id"`
	Title         string `bun:"title"`
	RepliesPolicy string `bun:"replies_policy"`
	Exclusive     bool   `bun:"exclusive"`
}

// ListsContaining returns owner's lists that include accountID.
func (d *DB) ListsContaining(ctx context.Context, ownerID, accountID int64) ([]ListSummary, error) {
	var out []ListSummary
	err := d.r.NewSelect().TableExpr("lists AS l").ColumnExpr("l.id, l.title, l.replies_policy, l.exclusive").
		Where("l.account_id = ? AND EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id AND la.account_id = ?)", ownerID, accountID).
		OrderExpr("l.id ASC").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("db: lists containing: %w", err)
	}
	return out, nil
}

// List is a user's list of accounts (a timeline of their posts).
type List struct {
	bun.BaseModel `bun:"table:lists,alias:l"`

	ID            int64     `bun:"id,pk"`
	AccountID     int64     `bun:"account_id"`
	Title         string    `bun:"title"`
	RepliesPolicy string    `bun:"replies_policy"` // followed, list, none
	Exclusive     bool      `bun:"exclusive"`
	CreatedAt     time.Time `bun:"created_at"`
}

// ListAccount puts an account on a list.
type ListAccount struct {
	bun.BaseModel `bun:"table:list_accounts,alias:la"`

	ListID    int64 `bun:"list_id,pk"`
	AccountID int64 `bun:"account_id,pk"`
}

// ErrNotFollowed is returned when an account that the list's owner does
// not follow is put on a list.
var ErrNotFollowed = errors.New("account is not followed")

// Lists returns an account's lists, oldest first.
func (d *DB) Lists(ctx context.Context, accountID int64) ([]*List, error) {
	var list []*List
	if err := d.r.NewSelect().Model(&list).Where("l.account_id = ?", accountID).Order("l.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: lists: %w", err)
	}
	return list, nil
}

// ListsWithMember returns ownerID's lists that have accountID on them
// (GET /api/v1/accounts/:id/lists), oldest first.
func (d *DB) ListsWithMember(ctx context.Context, ownerID, accountID int64) ([]*List, error) {
	var list []*List
	err := d.r.NewSelect().Model(&list).Where("l.account_id = ?", ownerID).
		Where("EXISTS (SELECT 1 FROM list_accounts la WHERE la.list_id = l.id AND la.account_id = ?)", accountID).
		Order("l.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: lists with member: %w", err)
	}
	return list, nil
}

// ListByID returns one of ownerID's lists (ErrNotFound for anyone else's).
func (d *DB) ListByID(ctx context.Context, ownerID, id int64) (*List, error) {
	l := new(List)
	err := d.r.NewSelect().Model(l).Where("l.id = ? AND l.account_id = ?", id, ownerID).Scan(ctx)
	return l, notFound(err)
}

// CreateList stores a new list; ID and CreatedAt are assigned here.
func (d *DB) CreateList(ctx context.Context, l *List) error {
	l.ID, l.CreatedAt = d.NewID(), now()
	if _, err := d.w.NewInsert().Model(l).Exec(ctx); err != nil {
		return fmt.Errorf("db: create list: %w", err)
	}
	return nil
}

// UpdateList saves a list's title, replies policy and exclusivity.
func (d *DB) UpdateList(ctx context.Context, l *List) error {
	res, err := d.w.NewUpdate().Model(l).Column("title", "replies_policy", "exclusive").
		Where("id = ? AND account_id = ?", l.ID, l.AccountID).Exec(ctx)
	return exactlyOne(res, err, "update list")
}

// DeleteList deletes one of ownerID's lists (its members go with it).
func (d *DB) DeleteList(ctx context.Context, ownerID, id int64) error {
	res, err := d.w.NewDelete().Model((*List)(nil)).Where("id = ? AND account_id = ?", id, ownerID).Exec(ctx)
	return exactlyOne(res, err, "delete list")
}

// ListMembers lists the accounts on a list, paged by account ID (newest
// account first); Limit 0 returns them all.
func (d *DB) ListMembers(ctx context.Context, listID int64, p Page) ([]*Account, error) {
	var list []*Account
	q := d.r.NewSelect().Model(&list).
		Where("a.id IN (SELECT la.account_id FROM list_accounts la WHERE la.list_id = ?)", listID).
		Where("a.suspended_at IS NULL")
	if p.Limit == 0 {
		q = q.OrderExpr("a.id DESC")
	} else {
		q = p.apply(q, "a.id")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: list members: %w", err)
	}
	return newestFirst(p, list), nil
}

// AddListMembers puts accounts on one of l's lists, all or none: each must
// exist (ErrNotFound) and be followed, or requested, by the list's owner, or
// be the owner (ErrNotFollowed). Members already on the list stay.
func (d *DB) AddListMembers(ctx context.Context, l *List, accountIDs []int64) error {
	return d.tx(ctx, func(tx bun.Tx) error {
		for _, id := range accountIDs {
			exists, err := tx.NewSelect().Model((*Account)(nil)).Where("id = ?", id).Exists(ctx)
			if err != nil {
				return fmt.Errorf("db: add to list: %w", err)
			}
			if !exists {
				return ErrNotFound
			}
			if id != l.AccountID {
				followed, err := tx.NewSelect().Model((*Follow)(nil)).
					Where("account_id = ? AND target_account_id = ?", l.AccountID, id).Exists(ctx)
				if err != nil {
					return fmt.Errorf("db: add to list: %w", err)
				}
				if !followed {
					return ErrNotFollowed
				}
			}
			if _, err := tx.NewInsert().Model(&ListAccount{ListID: l.ID, AccountID: id}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				return fmt.Errorf("db: add to list: %w", err)
			}
		}
		return nil
	})
}

// RemoveListMembers takes accounts off a list (absent ones are ignored).
func (d *DB) RemoveListMembers(ctx context.Context, listID int64, accountIDs []int64) error {
	if len(accountIDs) == 0 {
		return nil
	}
	_, err := d.w.NewDelete().Model((*ListAccount)(nil)).
		Where("list_id = ? AND account_id IN (?)", listID, bun.List(accountIDs)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: remove from list: %w", err)
	}
	return nil
}

// dropListMemberships takes target off all of account's lists (it stopped
// following target), as Mastodon does.
func (t *Tx) dropListMemberships(ctx context.Context, accountID, targetID int64) error {
	_, err := t.tx.NewDelete().Model((*ListAccount)(nil)).
		Where("account_id = ? AND list_id IN (SELECT id FROM lists WHERE account_id = ?)", targetID, accountID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: drop list memberships: %w", err)
	}
	return nil
}

// List replies policies: which replies by members a list shows.
const (
	RepliesFollowed = "followed" // replies to anyone the owner follows
	RepliesList     = "list"     // replies to other members of the list
	RepliesNone     = "none"     // no replies (but self-replies and replies to the owner)
)
