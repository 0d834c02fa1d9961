package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Brand roles, from most to least powerful.
const (
	BrandOwner  = "owner"
	BrandEditor = "editor"
	BrandViewer = "viewer"
)

// ValidBrandRole reports whether r is a brand role.
func ValidBrandRole(r string) bool { return r == BrandOwner || r == BrandEditor || r == BrandViewer }

// BrandRoleRank orders roles: owner 3, editor 2, viewer 1, anything else 0.
func BrandRoleRank(r string) int {
	switch r {
	case BrandOwner:
		return 3
	case BrandEditor:
		return 2
	case BrandViewer:
		return 1
	}
	return 0
}

// LesserBrandRole is the weaker of two roles (a token's ceiling and the
// member's current role).
func LesserBrandRole(a, b string) string {
	if BrandRoleRank(a) <= BrandRoleRank(b) {
		return a
	}
	return b
}

// Brand is the settings row of a brand account.
type Brand struct {
	bun.BaseModel `bun:"table:brands,alias:b"`

	AccountID       int64     `bun:"account_id,pk"`
	RequireApproval bool      `bun:"require_approval"`
	CreatedAt       time.Time `bun:"created_at"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id"`
}

// BrandMember is a local user's role in a brand.
type BrandMember struct {
	bun.BaseModel `bun:"table:brand_members,alias:bm"`

	BrandAccountID int64     `bun:"brand_account_id,pk"`
	UserID         int64     `bun:"user_id,pk"`
	Role           string    `bun:"role"`
	CreatedAt      time.Time `bun:"created_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// ErrNotMember: the user is not a member of the brand.
var ErrNotMember = errors.New("not a member of this brand")

// ErrLastOwner: a brand must keep at least one owner.
var ErrLastOwner = errors.New("a brand must keep at least one owner")

// BrandByAccountID returns a brand with its account.
func (d *DB) BrandByAccountID(ctx context.Context, accountID int64) (*Brand, error) {
	b := new(Brand)
	err := d.r.NewSelect().Model(b).Relation("Account").Where("b.account_id = ?", accountID).Scan(ctx)
	return b, notFound(err)
}

// Brands lists every brand, oldest first.
func (d *DB) Brands(ctx context.Context) ([]*Brand, error) {
	var list []*Brand
	err := d.r.NewSelect().Model(&list).Relation("Account").Order("b.created_at", "b.account_id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: brands: %w", err)
	}
	return list, nil
}

// SetBrandApproval turns the approval workflow on or off, with its audit
// record (nil: none).
func (d *DB) SetBrandApproval(ctx context.Context, accountID int64, on bool, audit *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.NewUpdate().Model((*Brand)(nil)).Set("require_approval = ?", on).Where("account_id = ?", accountID).Exec(ctx)
		if err := exactlyOne(res, err, "set brand approval"); err != nil {
			return err
		}
		return tx.recordIf(ctx, audit)
	})
}

// recordIf writes an audit record when there is one.
func (t *Tx) recordIf(ctx context.Context, audit *BrandAudit) error {
	if audit == nil {
		return nil
	}
	return t.RecordBrandAction(ctx, audit)
}

// BrandMembers lists a brand's members with their users and accounts.
func (d *DB) BrandMembers(ctx context.Context, brandID int64) ([]*BrandMember, error) {
	var list []*BrandMember
	err := d.r.NewSelect().Model(&list).Relation("User").Relation("User.Account").
		Where("bm.brand_account_id = ?", brandID).Order("bm.created_at", "bm.user_id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: brand members: %w", err)
	}
	return list, nil
}

// BrandRole returns user's role in a brand, or ErrNotMember.
func (d *DB) BrandRole(ctx context.Context, brandID, userID int64) (string, error) {
	var role string
	err := d.r.NewSelect().Model((*BrandMember)(nil)).Column("role").
		Where("brand_account_id = ? AND user_id = ?", brandID, userID).Scan(ctx, &role)
	if errors.Is(notFound(err), ErrNotFound) {
		return "", ErrNotMember
	}
	return role, err
}

// BrandsOfUser lists the brands a user belongs to, with the role.
func (d *DB) BrandsOfUser(ctx context.Context, userID int64) ([]*BrandMember, []*Account, error) {
	var members []*BrandMember
	if err := d.r.NewSelect().Model(&members).Where("bm.user_id = ?", userID).Order("bm.created_at").Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("db: brands of user: %w", err)
	}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.BrandAccountID
	}
	accts, err := d.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Account, len(members))
	for i, m := range members {
		out[i] = accts[m.BrandAccountID]
	}
	return members, out, nil
}

// SetBrandMember adds a member or changes their role, with its audit
// record (nil: none). Demoting the last owner is refused.
func (d *DB) SetBrandMember(ctx context.Context, brandID, userID int64, role string, audit *BrandAudit) error {
	if !ValidBrandRole(role) {
		return fmt.Errorf("db: brand role %q", role)
	}
	return d.InTx(ctx, func(tx *Tx) error {
		if role != BrandOwner {
			if err := tx.keepAnOwner(ctx, brandID, userID); err != nil {
				return err
			}
		}
		_, err := tx.tx.NewInsert().Model(&BrandMember{BrandAccountID: brandID, UserID: userID, Role: role, CreatedAt: now()}).
			On("CONFLICT (brand_account_id, user_id) DO UPDATE").Set("role = EXCLUDED.role").Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: set brand member: %w", err)
		}
		return tx.recordIf(ctx, audit)
	})
}

// keepAnOwner refuses a change that would leave the brand without an owner
// other than userID.
func (t *Tx) keepAnOwner(ctx context.Context, brandID, userID int64) error {
	others, err := t.tx.NewSelect().Model((*BrandMember)(nil)).
		Where("brand_account_id = ? AND role = ? AND user_id <> ?", brandID, BrandOwner, userID).Count(ctx)
	if err != nil {
		return err
	}
	isOwner, err := t.tx.NewSelect().Model((*BrandMember)(nil)).
		Where("brand_account_id = ? AND role = ? AND user_id = ?", brandID, BrandOwner, userID).Exists(ctx)
	if err != nil {
		return err
	}
	if isOwner && others == 0 {
		return ErrLastOwner
	}
	return nil
}

// RemoveBrandMember removes a member and revokes, at once, every token and
// code that acts as the brand for them; audit is its record (nil: none).
func (d *DB) RemoveBrandMember(ctx context.Context, brandID, userID int64, audit *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error {
		if err := tx.keepAnOwner(ctx, brandID, userID); err != nil {
			return err
		}
		res, err := tx.tx.NewDelete().Model((*BrandMember)(nil)).Where("brand_account_id = ? AND user_id = ?", brandID, userID).Exec(ctx)
		if err := exactlyOne(res, err, "remove brand member"); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrNotMember
			}
			return err
		}
		if _, err := tx.tx.NewUpdate().Model((*Token)(nil)).Set("revoked_at = ?", now()).
			Where("user_id = ? AND account_id = ? AND revoked_at IS NULL", userID, brandID).Exec(ctx); err != nil {
			return fmt.Errorf("db: revoke brand tokens: %w", err)
		}
		if _, err := tx.tx.NewDelete().TableExpr("oauth_codes").Where("user_id = ? AND account_id = ?", userID, brandID).Exec(ctx); err != nil {
			return fmt.Errorf("db: drop brand codes: %w", err)
		}
		return tx.recordIf(ctx, audit)
	})
}

// BrandAudit is one recorded action done as a brand.
type BrandAudit struct {
	bun.BaseModel `bun:"table:brand_audit,alias:ba"`

	ID             int64     `bun:"id,pk"`
	BrandAccountID int64     `bun:"brand_account_id"`
	UserID         *int64    `bun:"user_id"`
	Action         string    `bun:"action"`
	StatusID       *int64    `bun:"status_id"`
	Detail         string    `bun:"detail"`
	CreatedAt      time.Time `bun:"created_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// RecordBrandAction writes an audit row in the transaction of the action
// itself, so an action and its record commit together.
func (t *Tx) RecordBrandAction(ctx context.Context, a *BrandAudit) error {
	a.ID, a.CreatedAt = t.d.NewID(), now()
	if _, err := t.tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return fmt.Errorf("db: brand audit: %w", err)
	}
	return nil
}

// RecordBrandAction writes an audit row outside any other transaction.
func (d *DB) RecordBrandAction(ctx context.Context, a *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error { return tx.RecordBrandAction(ctx, a) })
}

// BrandAuditLog lists a brand's audit trail, newest first, with the members.
func (d *DB) BrandAuditLog(ctx context.Context, brandID int64, p Page) ([]*BrandAudit, error) {
	var list []*BrandAudit
	q := d.r.NewSelect().Model(&list).Relation("User").Relation("User.Account").Where("ba.brand_account_id = ?", brandID)
	if err := p.apply(q, "ba.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: brand audit log: %w", err)
	}
	return newestFirst(p, list), nil
}

// Draft states.
const (
	DraftPending  = "pending"
	DraftApproved = "approved"
	DraftRejected = "rejected"
)

// BrandDraft is a post by an editor waiting for an owner's approval.
type BrandDraft struct {
	bun.BaseModel `bun:"table:brand_drafts,alias:bd"`

	ID              int64      `bun:"id,pk"`
	BrandAccountID  int64      `bun:"brand_account_id"`
	AuthorUserID    int64      `bun:"author_user_id"`
	Params          string     `bun:"params"` // JSON of the post's parameters
	State           string     `bun:"state"`
	Note            string     `bun:"note"`
	DecidedByUserID *int64     `bun:"decided_by_user_id"`
	DecidedAt       *time.Time `bun:"decided_at"`
	StatusID        *int64     `bun:"status_id"`
	CreatedAt       time.Time  `bun:"created_at"`

	Author    *User `bun:"rel:belongs-to,join:author_user_id=id"`
	DecidedBy *User `bun:"rel:belongs-to,join:decided_by_user_id=id"`
}

// InsertBrandDraft stores a new pending draft with its audit record (nil:
// none); its attachments (mediaIDs) are kept from the orphan sweep until
// it is decided.
func (d *DB) InsertBrandDraft(ctx context.Context, dr *BrandDraft, mediaIDs []int64, audit *BrandAudit) error {
	dr.ID, dr.CreatedAt, dr.State = d.NewID(), now(), DraftPending
	return d.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.NewInsert().Model(dr).Exec(ctx); err != nil {
			return fmt.Errorf("db: insert draft: %w", err)
		}
		if len(mediaIDs) > 0 {
			rows := make([]brandDraftMedia, 0, len(mediaIDs))
			seen := map[int64]bool{}
			for _, id := range mediaIDs {
				if !seen[id] {
					seen[id] = true
					rows = append(rows, brandDraftMedia{DraftID: dr.ID, MediaID: id})
				}
			}
			if _, err := tx.tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return fmt.Errorf("db: keep draft media: %w", err)
			}
		}
		if audit != nil {
			audit.StatusID = nil
			audit.Detail = "draft #" + FormatID(dr.ID) + ": " + audit.Detail
		}
		return tx.recordIf(ctx, audit)
	})
}

// brandDraftMedia keeps an attachment of a waiting draft from the sweep.
type brandDraftMedia struct {
	bun.BaseModel `bun:"table:brand_draft_media"`

	DraftID int64 `bun:"draft_id,pk"`
	MediaID int64 `bun:"media_id,pk"`
}

// RecentDraft finds a pending draft by the same author with the same
// parameters created since `since` (a client retrying a refused post).
func (d *DB) RecentDraft(ctx context.Context, brandID, authorID int64, params string, since time.Time) (*BrandDraft, error) {
	dr := new(BrandDraft)
	err := d.r.NewSelect().Model(dr).Where("brand_account_id = ? AND author_user_id = ? AND params = ? AND state = ? AND created_at >= ?",
		brandID, authorID, params, DraftPending, since.UTC()).Order("id DESC").Limit(1).Scan(ctx)
	return dr, notFound(err)
}

// BrandDraftByID returns a draft of a brand, with its author and decider.
func (d *DB) BrandDraftByID(ctx context.Context, brandID, id int64) (*BrandDraft, error) {
	dr := new(BrandDraft)
	err := d.r.NewSelect().Model(dr).Relation("Author").Relation("Author.Account").Relation("DecidedBy").Relation("DecidedBy.Account").
		Where("bd.brand_account_id = ? AND bd.id = ?", brandID, id).Scan(ctx)
	return dr, notFound(err)
}

// BrandDrafts lists a brand's drafts in a state ("" for all), newest first;
// authorID > 0 keeps only that member's.
func (d *DB) BrandDrafts(ctx context.Context, brandID int64, state string, authorID int64, p Page) ([]*BrandDraft, error) {
	var list []*BrandDraft
	q := d.r.NewSelect().Model(&list).Relation("Author").Relation("Author.Account").Relation("DecidedBy").Relation("DecidedBy.Account").
		Where("bd.brand_account_id = ?", brandID)
	if state != "" {
		q = q.Where("bd.state = ?", state)
	}
	if authorID > 0 {
		q = q.Where("bd.author_user_id = ?", authorID)
	}
	if err := p.apply(q, "bd.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: drafts: %w", err)
	}
	return newestFirst(p, list), nil
}

// DraftsByAuthor lists a member's own drafts across brands, in a state (""
// for all), newest first (rejected ones come back to them with the owner's
// note).
func (d *DB) DraftsByAuthor(ctx context.Context, userID int64, state string, p Page) ([]*BrandDraft, error) {
	var list []*BrandDraft
	q := d.r.NewSelect().Model(&list).Relation("Author").Relation("Author.Account").Relation("DecidedBy").Relation("DecidedBy.Account").
		Where("bd.author_user_id = ?", userID)
	if state != "" {
		q = q.Where("bd.state = ?", state)
	}
	if err := p.apply(q, "bd.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: drafts by author: %w", err)
	}
	return newestFirst(p, list), nil
}

// ErrDraftDecided: the draft was already approved or rejected.
var ErrDraftDecided = errors.New("this draft was already decided")

// RejectBrandDraft returns a pending draft to its author with a note, with
// its audit record (nil: none). A draft is decided once.
func (d *DB) RejectBrandDraft(ctx context.Context, dr *BrandDraft, by int64, note string, audit *BrandAudit) error {
	t := now()
	return d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.NewUpdate().Model((*BrandDraft)(nil)).Set("state = ?", DraftRejected).Set("note = ?", note).
			Set("decided_by_user_id = ?", by).Set("decided_at = ?", t).
			Where("id = ? AND state = ?", dr.ID, DraftPending).Exec(ctx)
		if err := exactlyOne(res, err, "reject draft"); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrDraftDecided
			}
			return err
		}
		if err := tx.releaseDraftMedia(ctx, dr.ID); err != nil {
			return err
		}
		if err := tx.recordIf(ctx, audit); err != nil {
			return err
		}
		dr.State, dr.Note, dr.DecidedByUserID, dr.DecidedAt = DraftRejected, note, &by, &t
		return nil
	})
}

// ApproveBrandDraft marks a pending draft approved with the status that
// publishes it, in the transaction that stores the status: two owners
// approving at once publish it once (the second gets ErrDraftDecided and
// its status is rolled back).
func (t *Tx) ApproveBrandDraft(ctx context.Context, id, by, statusID int64) error {
	res, err := t.tx.NewUpdate().Model((*BrandDraft)(nil)).Set("state = ?", DraftApproved).
		Set("decided_by_user_id = ?", by).Set("decided_at = ?", now()).Set("status_id = ?", statusID).
		Where("id = ? AND state = ?", id, DraftPending).Exec(ctx)
	if err := exactlyOne(res, err, "approve draft"); err != nil {
		if errors.Is(err, ErrNotFound) {
			return ErrDraftDecided
		}
		return err
	}
	return t.releaseDraftMedia(ctx, id)
}

// releaseDraftMedia lets a decided draft's attachments go: they belong to
// its status now, or to nothing (the sweep takes them).
func (t *Tx) releaseDraftMedia(ctx context.Context, draftID int64) error {
	if _, err := t.tx.NewDelete().TableExpr("brand_draft_media").Where("draft_id = ?", draftID).Exec(ctx); err != nil {
		return fmt.Errorf("db: release draft media: %w", err)
	}
	return nil
}
