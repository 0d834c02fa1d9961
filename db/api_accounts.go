package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Queries of the Mastodon account endpoints: profiles, relationships,
// blocks, mutes, user domain blocks, notes, search and the profile editor.

// listedAccount is the condition under which an account is shown by the
// API at all: remote accounts, brand accounts, and local accounts whose
// user is confirmed and approved (not the instance actor, not sign-ups
// waiting for approval — Mastodon answers 404 for those).
const listedAccount = `(a.domain <> '' OR a.is_brand = TRUE
	OR EXISTS (SELECT 1 FROM users lu WHERE lu.account_id = a.id AND lu.confirmed_at IS NOT NULL AND lu.approved = TRUE AND lu.disabled = FALSE))`

// ListedAccountByID returns the account with this ID if the API may show it
// (see listedAccount); suspended accounts are returned, flagged.
func (d *DB) ListedAccountByID(ctx context.Context, id int64) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("a.id = ?", id).Where(listedAccount).Scan(ctx)
	return a, notFound(err)
}

// ListedAccountByUsername returns username@domain ("" domain: local) if the
// API may show it.
func (d *DB) ListedAccountByUsername(ctx context.Context, username, domain string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).
		Where("lower(a.username) = lower(?) AND a.domain = ?", username, strings.ToLower(domain)).
		Where(listedAccount).Scan(ctx)
	return a, notFound(err)
}

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

// MuteAccount mutes target for account, or changes an existing mute's
// options (notifications, expiry).
func (d *DB) MuteAccount(ctx context.Context, m *Mute) error {
	m.ID, m.CreatedAt = d.NewID(), now()
	_, err := d.w.NewInsert().Model(m).On("CONFLICT (account_id, target_account_id) DO UPDATE").
		Set("hide_notifications = EXCLUDED.hide_notifications").Set("expires_at = EXCLUDED.expires_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: mute: %w", err)
	}
	return nil
}

// UnmuteAccount lifts a mute (idempotent).
func (d *DB) UnmuteAccount(ctx context.Context, accountID, targetID int64) error {
	_, err := d.w.NewDelete().Model((*Mute)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unmute: %w", err)
	}
	return nil
}

// accountRow is an account with the ID of the row that lists it (a follow,
// block or mute), which is the page cursor.
type accountRow struct {
	Cursor    int64      `bun:"row_cursor"`
	ExpiresAt *time.Time `bun:"row_expires_at"`
	Account   `bun:",extend"`
}

// accountPage lists the accounts joined from table (alias r) on r.joinCol,
// newest row first, with the row IDs as cursors.
func (d *DB) accountPage(ctx context.Context, table, joinCol, expires string, p Page, where string, args ...any) ([]*Account, []int64, []*time.Time, error) {
	var rows []accountRow
	q := d.r.NewSelect().TableExpr(table+" AS r").ColumnExpr("r.id AS row_cursor, "+expires+" AS row_expires_at, a.*").
		Join("JOIN accounts AS a ON a.id = r."+joinCol).Where(where, args...)
	if err := p.apply(q, "r.id").Scan(ctx, &rows); err != nil {
		return nil, nil, nil, fmt.Errorf("db: %s page: %w", table, err)
	}
	rows = newestFirst(p, rows)
	accts := make([]*Account, len(rows))
	cursors := make([]int64, len(rows))
	expiry := make([]*time.Time, len(rows))
	for i := range rows {
		a := rows[i].Account
		accts[i], cursors[i], expiry[i] = &a, rows[i].Cursor, rows[i].ExpiresAt
	}
	return accts, cursors, expiry, nil
}

// FollowRequestsPage lists accounts waiting for target to accept their
// follow, most recent request first; cursors are follow IDs.
func (d *DB) FollowRequestsPage(ctx context.Context, targetID int64, p Page) ([]*Account, []int64, error) {
	accts, cursors, _, err := d.accountPage(ctx, "follows", "account_id", "NULL", p,
		"r.target_account_id = ? AND r.accepted = FALSE AND a.suspended_at IS NULL", targetID)
	return accts, cursors, err
}

// CountFollowRequests counts the pending requests to follow target.
func (d *DB) CountFollowRequests(ctx context.Context, targetID int64) (int64, error) {
	n, err := d.r.NewSelect().Model((*Follow)(nil)).
		Join("JOIN accounts AS a ON a.id = f.account_id").
		Where("f.target_account_id = ? AND f.accepted = FALSE AND a.suspended_at IS NULL", targetID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: count follow requests: %w", err)
	}
	return int64(n), nil
}

// BlocksPage lists the accounts account blocks, most recent first; cursors are block IDs.
func (d *DB) BlocksPage(ctx context.Context, accountID int64, p Page) ([]*Account, []int64, error) {
	accts, cursors, _, err := d.accountPage(ctx, "blocks", "target_account_id", "NULL", p, "r.account_id = ?", accountID)
	return accts, cursors, err
}

// MutesPage lists the accounts account mutes (unexpired), most recent
// first, with each mute's expiry; cursors are mute IDs.
func (d *DB) MutesPage(ctx context.Context, accountID int64, p Page) ([]*Account, []int64, []*time.Time, error) {
	return d.accountPage(ctx, "mutes", "target_account_id", "r.expires_at", p,
		"r.account_id = ? AND (r.expires_at IS NULL OR r.expires_at > ?)", accountID, now())
}

// AccountDomainBlock is a user's own block of a remote domain.
type AccountDomainBlock struct {
	bun.BaseModel `bun:"table:account_domain_blocks"`

	ID        int64     `bun:"id,pk"`
	AccountID int64     `bun:"account_id"`
	Domain    string    `bun:"domain"`
	CreatedAt time.Time `bun:"created_at"`
}

// AccountDomainBlocksPage lists the domains account blocks, most recent first.
func (d *DB) AccountDomainBlocksPage(ctx context.Context, accountID int64, p Page) ([]*AccountDomainBlock, error) {
	var list []*AccountDomainBlock
	q := d.r.NewSelect().Model(&list).Where("account_id = ?", accountID)
	if err := p.apply(q, "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: account domain blocks: %w", err)
	}
	return newestFirst(p, list), nil
}

// AddAccountDomainBlock records that account blocks domain (idempotent).
func (d *DB) AddAccountDomainBlock(ctx context.Context, accountID int64, domain string) error {
	b := &AccountDomainBlock{ID: d.NewID(), AccountID: accountID, Domain: strings.ToLower(domain), CreatedAt: now()}
	if _, err := d.w.NewInsert().Model(b).On("CONFLICT (account_id, domain) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("db: add account domain block: %w", err)
	}
	return nil
}

// RemoveAccountDomainBlock lifts account's block of domain (idempotent).
func (d *DB) RemoveAccountDomainBlock(ctx context.Context, accountID int64, domain string) error {
	_, err := d.w.NewDelete().Model((*AccountDomainBlock)(nil)).Where("account_id = ? AND domain = ?", accountID, strings.ToLower(domain)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: remove account domain block: %w", err)
	}
	return nil
}

// FollowsWithDomain returns the accounts of domain that account follows
// (or asked to follow) and those that follow it (or asked to).
func (d *DB) FollowsWithDomain(ctx context.Context, accountID int64, domain string) (following, followers []*Account, err error) {
	domain = strings.ToLower(domain)
	if err := d.r.NewSelect().Model(&following).
		Where("a.domain = ? AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = a.id)", domain, accountID).
		Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: follows with domain: %w", err)
	}
	if err := d.r.NewSelect().Model(&followers).
		Where("a.domain = ? AND EXISTS (SELECT 1 FROM follows f WHERE f.target_account_id = ? AND f.account_id = a.id)", domain, accountID).
		Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: follows with domain: %w", err)
	}
	return following, followers, nil
}

// FamiliarFollowers returns, for each of ids, the accounts the viewer
// follows that follow it too (accepted follows both; accounts that hide
// their collections are left out).
func (d *DB) FamiliarFollowers(ctx context.Context, viewerID int64, ids []int64) (map[int64][]*Account, error) {
	out := map[int64][]*Account{}
	if len(ids) == 0 || viewerID == 0 {
		return out, nil
	}
	var rows []struct {
		TargetID int64 `bun:"familiar_target_id"`
		Account  `bun:",extend"`
	}
	err := d.r.NewSelect().TableExpr("follows AS f1").ColumnExpr("f2.target_account_id AS familiar_target_id, a.*").
		Join("JOIN follows AS f2 ON f2.account_id = f1.target_account_id").
		Join("JOIN accounts AS a ON a.id = f1.target_account_id").
		Where("f1.account_id = ? AND f1.accepted = TRUE AND f2.accepted = TRUE AND f2.target_account_id IN (?)", viewerID, bun.List(ids)).
		Where("a.suspended_at IS NULL AND a.hide_collections = FALSE").
		OrderExpr("f2.id DESC").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("db: familiar followers: %w", err)
	}
	for i := range rows {
		a := rows[i].Account
		out[rows[i].TargetID] = append(out[rows[i].TargetID], &a)
	}
	return out, nil
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

// CredentialsUpdate is one save of the profile editor: the account's new
// profile columns, the user's posting defaults, the new avatar/header rows
// to insert and the replaced ones to delete.
type CredentialsUpdate struct {
	Account  *Account
	User     *User
	NewMedia []*MediaAttachment
	OldMedia []int64
	// Audit is the brand audit record of the change (a brand's profile),
	// written in the same transaction; nil for other accounts.
	Audit *BrandAudit
}

// UpdateCredentials saves a profile edit in one transaction.
func (d *DB) UpdateCredentials(ctx context.Context, u CredentialsUpdate) error {
	t := now()
	a := u.Account
	a.UpdatedAt = t
	if a.Fields == nil {
		a.Fields = []Field{}
	}
	return d.InTx(ctx, func(tx *Tx) error {
		for _, m := range u.NewMedia {
			m.CreatedAt, m.UpdatedAt = t, t
			if _, err := tx.tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return fmt.Errorf("db: insert profile image: %w", err)
			}
		}
		res, err := tx.tx.NewUpdate().Model(a).WherePK().
			Column("display_name", "note", "note_source", "fields", "avatar_media_id", "header_media_id", "locked", "bot",
				"discoverable", "indexable", "hide_collections", "actor_type", "updated_at").Exec(ctx)
		if err := exactlyOne(res, err, "update profile"); err != nil {
			return err
		}
		if u.User != nil {
			u.User.UpdatedAt = t
			res, err := tx.tx.NewUpdate().Model(u.User).WherePK().
				Column("default_privacy", "default_sensitive", "default_language", "updated_at").Exec(ctx)
			if err := exactlyOne(res, err, "update preferences"); err != nil {
				return err
			}
		}
		if len(u.OldMedia) > 0 {
			if _, err := tx.tx.NewDelete().Model((*MediaAttachment)(nil)).
				Where("id IN (?) AND account_id = ? AND status_id IS NULL", bun.List(u.OldMedia), a.ID).Exec(ctx); err != nil {
				return fmt.Errorf("db: delete old profile image: %w", err)
			}
		}
		if u.Audit != nil {
			return tx.RecordBrandAction(ctx, u.Audit)
		}
		return nil
	})
}

// IsFollowRequest reports whether follower has a pending request to follow target.
func (d *DB) IsFollowRequest(ctx context.Context, followerID, targetID int64) (bool, error) {
	f, err := d.FollowBetween(ctx, followerID, targetID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !f.Accepted, nil
}
