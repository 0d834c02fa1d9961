package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Relationships is what one viewer has to do with a set of accounts, keyed
// by the other account's ID. Mutes hold only unexpired ones.
type Relationships struct {
	Following      map[int64]*Follow // viewer → account, accepted or requested
	FollowedBy     map[int64]*Follow // account → viewer, accepted or requested
	Blocking       map[int64]bool
	BlockedBy      map[int64]bool
	Mutes          map[int64]*Mute
	DomainBlocking map[int64]bool
	Notes          map[int64]string
}

// RelationshipsOf loads the viewer's relationships with the accounts ids:
// one query per kind of relationship, whatever the number of accounts.
func (d *DB) RelationshipsOf(ctx context.Context, viewerID int64, ids []int64) (*Relationships, error) {
	rel := &Relationships{
		Following: map[int64]*Follow{}, FollowedBy: map[int64]*Follow{}, Blocking: map[int64]bool{},
		BlockedBy: map[int64]bool{}, Mutes: map[int64]*Mute{}, DomainBlocking: map[int64]bool{}, Notes: map[int64]string{},
	}
	if len(ids) == 0 || viewerID == 0 {
		return rel, nil
	}
	list := bun.List(ids)
	var out, in []*Follow
	if err := d.r.NewSelect().Model(&out).Where("f.account_id = ? AND f.target_account_id IN (?)", viewerID, list).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: relationships: following: %w", err)
	}
	for _, f := range out {
		rel.Following[f.TargetAccountID] = f
	}
	if err := d.r.NewSelect().Model(&in).Where("f.target_account_id = ? AND f.account_id IN (?)", viewerID, list).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: relationships: followers: %w", err)
	}
	for _, f := range in {
		rel.FollowedBy[f.AccountID] = f
	}
	var blocks []*Block
	if err := d.r.NewSelect().Model(&blocks).
		Where("(account_id = ? AND target_account_id IN (?)) OR (target_account_id = ? AND account_id IN (?))", viewerID, list, viewerID, list).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: relationships: blocks: %w", err)
	}
	for _, b := range blocks {
		if b.AccountID == viewerID {
			rel.Blocking[b.TargetAccountID] = true
		}
		if b.TargetAccountID == viewerID {
			rel.BlockedBy[b.AccountID] = true
		}
	}
	var mutes []*Mute
	if err := d.r.NewSelect().Model(&mutes).
		Where("account_id = ? AND target_account_id IN (?) AND (expires_at IS NULL OR expires_at > ?)", viewerID, list, now()).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: relationships: mutes: %w", err)
	}
	for _, m := range mutes {
		rel.Mutes[m.TargetAccountID] = m
	}
	var domainBlocked []int64
	if err := d.r.NewSelect().TableExpr("accounts AS a").Column("a.id").
		Join("JOIN account_domain_blocks adb ON adb.domain = a.domain").
		Where("adb.account_id = ? AND a.id IN (?) AND a.domain <> ''", viewerID, list).Scan(ctx, &domainBlocked); err != nil {
		return nil, fmt.Errorf("db: relationships: domain blocks: %w", err)
	}
	for _, id := range domainBlocked {
		rel.DomainBlocking[id] = true
	}
	var notes []AccountNote
	if err := d.r.NewSelect().Model(&notes).Where("account_id = ? AND target_account_id IN (?)", viewerID, list).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: relationships: notes: %w", err)
	}
	for _, n := range notes {
		rel.Notes[n.TargetAccountID] = n.Comment
	}
	return rel, nil
}

// AccountNote is a private comment of one account about another.
type AccountNote struct {
	bun.BaseModel `bun:"table:account_notes"`

	AccountID       int64  `bun:"account_id,pk"`
	TargetAccountID int64  `bun:"target_account_id,pk"`
	Comment         string `bun:"comment"`
}

// SetAccountNote stores the viewer's comment about target; an empty comment
// removes it.
func (d *DB) SetAccountNote(ctx context.Context, accountID, targetID int64, comment string) error {
	if comment == "" {
		_, err := d.w.NewDelete().Model((*AccountNote)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: delete note: %w", err)
		}
		return nil
	}
	n := &AccountNote{AccountID: accountID, TargetAccountID: targetID, Comment: comment}
	_, err := d.w.NewInsert().Model(n).On("CONFLICT (account_id, target_account_id) DO UPDATE").Set("comment = EXCLUDED.comment").Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: set note: %w", err)
	}
	return nil
}
