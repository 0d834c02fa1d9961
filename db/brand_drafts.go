package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Draft states.
const (
	DraftPending  = "pending"
	DraftApproved = "approved"
	DraftRejected = "rejected"
)

// Verbs of brand drafts: what the draft does when it is approved.
const (
	DraftPost   = "post"   // a new status (a reply, a poll; scheduled with ScheduledAt)
	DraftEdit   = "edit"   // an edit of TargetStatusID
	DraftDelete = "delete" // a delete of TargetStatusID (someone else's post)
	DraftBoost  = "boost"  // a boost of TargetStatusID
)

// BrandDraft is a change by an editor waiting for an owner's approval.
type BrandDraft struct {
	bun.BaseModel `bun:"table:brand_drafts,alias:bd"`

	ID              int64      `bun:"id,pk"`
	BrandAccountID  int64      `bun:"brand_account_id"`
	Number          int64      `bun:"number"` // #12: the short number people use, per brand
	AuthorUserID    int64      `bun:"author_user_id"`
	Verb            string     `bun:"verb"`
	TargetStatusID  *int64     `bun:"target_status_id"`
	ScheduledAt     *time.Time `bun:"scheduled_at"`
	Params          string     `bun:"params"` // JSON of the post's parameters (ScheduledParams)
	State           string     `bun:"state"`
	Note            string     `bun:"note"`
	DecidedByUserID *int64     `bun:"decided_by_user_id"`
	DecidedAt       *time.Time `bun:"decided_at"`
	StatusID        *int64     `bun:"status_id"`
	CreatedAt       time.Time  `bun:"created_at"`

	Author    *User `bun:"rel:belongs-to,join:author_user_id=id"`
	DecidedBy *User `bun:"rel:belongs-to,join:decided_by_user_id=id"`
}

// InsertBrandDraft stores a new pending draft, numbered next in its brand,
// with its audit record (nil: none); its attachments (mediaIDs) are kept
// from the orphan sweep until it is decided.
func (d *DB) InsertBrandDraft(ctx context.Context, dr *BrandDraft, mediaIDs []int64, audit *BrandAudit) error {
	dr.ID, dr.CreatedAt, dr.State = d.NewID(), now(), DraftPending
	if dr.Verb == "" {
		dr.Verb = DraftPost
	}
	return d.InTx(ctx, func(tx *Tx) error {
		// The brand's row is locked until commit: numbers never repeat.
		if err := tx.tx.NewUpdate().Model((*Brand)(nil)).Set("draft_seq = draft_seq + 1").
			Where("account_id = ?", dr.BrandAccountID).Returning("draft_seq").Scan(ctx, &dr.Number); err != nil {
			return fmt.Errorf("db: number draft: %w", notFound(err))
		}
		if _, err := tx.tx.NewInsert().Model(dr).Exec(ctx); err != nil {
			return fmt.Errorf("db: insert draft: %w", err)
		}
		if err := tx.keepDraftMedia(ctx, dr.ID, mediaIDs); err != nil {
			return err
		}
		if audit != nil {
			audit.StatusID = dr.TargetStatusID
			audit.Detail = "draft #" + fmt.Sprint(dr.Number) + ": " + audit.Detail
		}
		return tx.recordIf(ctx, audit)
	})
}

// keepDraftMedia keeps a pending draft's attachments from the sweep.
func (t *Tx) keepDraftMedia(ctx context.Context, draftID int64, mediaIDs []int64) error {
	if len(mediaIDs) == 0 {
		return nil
	}
	rows := make([]brandDraftMedia, 0, len(mediaIDs))
	seen := map[int64]bool{}
	for _, id := range mediaIDs {
		if !seen[id] {
			seen[id] = true
			rows = append(rows, brandDraftMedia{DraftID: draftID, MediaID: id})
		}
	}
	if _, err := t.tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("db: keep draft media: %w", err)
	}
	return nil
}

// brandDraftMedia keeps an attachment of a waiting draft from the sweep.
type brandDraftMedia struct {
	bun.BaseModel `bun:"table:brand_draft_media"`

	DraftID int64 `bun:"draft_id,pk"`
	MediaID int64 `bun:"media_id,pk"`
}

// RecentDraft finds a pending draft by the same author with the same verb,
// target and parameters created since `since` (a client retrying a refused
// change).
func (d *DB) RecentDraft(ctx context.Context, like *BrandDraft, since time.Time) (*BrandDraft, error) {
	dr := new(BrandDraft)
	q := d.r.NewSelect().Model(dr).Where("brand_account_id = ? AND author_user_id = ? AND verb = ? AND params = ? AND state = ? AND created_at >= ?",
		like.BrandAccountID, like.AuthorUserID, like.Verb, like.Params, DraftPending, since.UTC())
	if like.TargetStatusID != nil {
		q = q.Where("target_status_id = ?", *like.TargetStatusID)
	} else {
		q = q.Where("target_status_id IS NULL")
	}
	if like.ScheduledAt != nil {
		q = q.Where("scheduled_at = ?", like.ScheduledAt.UTC())
	} else {
		q = q.Where("scheduled_at IS NULL")
	}
	err := q.Order("id DESC").Limit(1).Scan(ctx)
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

// ClaimBrandDraft marks a pending draft approved by `by` before its change
// is applied: of two owners approving at once, one applies it (the other
// gets ErrDraftDecided). FinishBrandDraft or UnclaimBrandDraft follows.
func (d *DB) ClaimBrandDraft(ctx context.Context, id, by int64) error {
	res, err := d.w.NewUpdate().Model((*BrandDraft)(nil)).Set("state = ?", DraftApproved).
		Set("decided_by_user_id = ?", by).Set("decided_at = ?", now()).
		Where("id = ? AND state = ?", id, DraftPending).Exec(ctx)
	if err := exactlyOne(res, err, "approve draft"); err != nil {
		if errors.Is(err, ErrNotFound) {
			return ErrDraftDecided
		}
		return err
	}
	return nil
}

// FinishBrandDraft records the status an approved draft made (nil: none,
// a delete) and lets its attachments go.
func (d *DB) FinishBrandDraft(ctx context.Context, id int64, statusID *int64) error {
	return d.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.NewUpdate().Model((*BrandDraft)(nil)).Set("status_id = ?", statusID).Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("db: finish draft: %w", err)
		}
		return tx.releaseDraftMedia(ctx, id)
	})
}

// UnclaimBrandDraft puts a claimed draft back to pending: its change could
// not be applied (the target is gone, a check failed).
func (d *DB) UnclaimBrandDraft(ctx context.Context, id int64) error {
	_, err := d.w.NewUpdate().Model((*BrandDraft)(nil)).Set("state = ?", DraftPending).
		Set("decided_by_user_id = NULL").Set("decided_at = NULL").
		Where("id = ? AND state = ?", id, DraftApproved).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unclaim draft: %w", err)
	}
	return nil
}

// ReviseBrandDraft replaces the parameters of a pending or rejected draft
// by its author and puts it back to pending (resubmitted), with its audit
// record (nil: none). An approved draft is not revised (ErrDraftDecided).
func (d *DB) ReviseBrandDraft(ctx context.Context, dr *BrandDraft, params string, mediaIDs []int64, audit *BrandAudit) error {
	return d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.NewUpdate().Model((*BrandDraft)(nil)).Set("params = ?", params).Set("state = ?", DraftPending).
			Set("note = ''").Set("decided_by_user_id = NULL").Set("decided_at = NULL").
			Where("id = ? AND state IN (?)", dr.ID, bun.List([]string{DraftPending, DraftRejected})).Exec(ctx)
		if err := exactlyOne(res, err, "revise draft"); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrDraftDecided
			}
			return err
		}
		if err := tx.releaseDraftMedia(ctx, dr.ID); err != nil {
			return err
		}
		if err := tx.keepDraftMedia(ctx, dr.ID, mediaIDs); err != nil {
			return err
		}
		if audit != nil {
			audit.StatusID = dr.TargetStatusID
			audit.Detail = "draft #" + fmt.Sprint(dr.Number) + ": " + audit.Detail
		}
		if err := tx.recordIf(ctx, audit); err != nil {
			return err
		}
		dr.Params, dr.State, dr.Note, dr.DecidedByUserID, dr.DecidedAt, dr.DecidedBy = params, DraftPending, "", nil, nil, nil
		return nil
	})
}

// BrandDraftByNumber returns a brand's draft #number, with its author and
// decider.
func (d *DB) BrandDraftByNumber(ctx context.Context, brandID, number int64) (*BrandDraft, error) {
	dr := new(BrandDraft)
	err := d.r.NewSelect().Model(dr).Relation("Author").Relation("Author.Account").Relation("DecidedBy").Relation("DecidedBy.Account").
		Where("bd.brand_account_id = ? AND bd.number = ?", brandID, number).Scan(ctx)
	return dr, notFound(err)
}

// BrandDraftAny returns a draft of any brand by its id.
func (d *DB) BrandDraftAny(ctx context.Context, id int64) (*BrandDraft, error) {
	dr := new(BrandDraft)
	err := d.r.NewSelect().Model(dr).Relation("Author").Relation("Author.Account").Relation("DecidedBy").Relation("DecidedBy.Account").
		Where("bd.id = ?", id).Scan(ctx)
	return dr, notFound(err)
}

// BrandStatusWriter is the member who wrote a brand's status s: the author
// of the draft that published it, or else the member its audit record
// names (0: nobody known, the admin CLI or a former member).
func (d *DB) BrandStatusWriter(ctx context.Context, brandID int64, s *Status) (int64, error) {
	var ids []int64
	err := d.r.NewSelect().Model((*BrandDraft)(nil)).Column("author_user_id").
		Where("brand_account_id = ? AND status_id = ? AND verb IN (?)", brandID, s.ID, bun.List([]string{DraftPost, DraftBoost})).
		Limit(1).Scan(ctx, &ids)
	if err != nil {
		return 0, fmt.Errorf("db: draft of status: %w", err)
	}
	if len(ids) > 0 {
		return ids[0], nil
	}
	// A boost's record names the boosted status.
	target, actions := s.ID, []string{"status.create", "dm.create"}
	if s.ReblogOfID != nil {
		target, actions = *s.ReblogOfID, []string{"status.reblog"}
	}
	var uids []*int64
	err = d.r.NewSelect().Model((*BrandAudit)(nil)).Column("user_id").
		Where("brand_account_id = ? AND status_id = ? AND action IN (?) AND created_at >= ?", brandID, target, bun.List(actions), s.CreatedAt.Add(-time.Minute).UTC()).
		Order("id").Limit(1).Scan(ctx, &uids)
	if err != nil {
		return 0, fmt.Errorf("db: writer of status: %w", err)
	}
	if len(uids) == 0 || uids[0] == nil {
		return 0, nil
	}
	return *uids[0], nil
}

// releaseDraftMedia lets a decided draft's attachments go: they belong to
// its status now, or to nothing (the sweep takes them).
func (t *Tx) releaseDraftMedia(ctx context.Context, draftID int64) error {
	if _, err := t.tx.NewDelete().TableExpr("brand_draft_media").Where("draft_id = ?", draftID).Exec(ctx); err != nil {
		return fmt.Errorf("db: release draft media: %w", err)
	}
	return nil
}
