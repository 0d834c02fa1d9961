package activitypub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kontor-social/kontor/db"
)

// The approval rule of brand accounts lives here, in the engine, because
// every way of changing what the public sees passes through the engine's
// local entries (the API, the web pages, the scheduled-status job, the
// CLI): with approval required, a change an editor makes as the brand (a
// post, reply or poll, a scheduled post, an edit, a delete of someone
// else's post, a boost) is not applied but stored as a draft (db.BrandDraft
// with its verb and target) and the entry returns *HeldError. An owner's
// approval applies the stored change through the same entry (ApproveDraft).
// Owners act directly; so does the admin CLI (no acting member).

// RetryWindow is how long an identical change by the same member returns
// the draft it already made (clients retry posts that failed; a held post
// answers with an error).
const RetryWindow = 10 * time.Minute

// HeldError: the change waits for an owner's approval as Draft (the API
// answers 422 with the draft's id).
type HeldError struct {
	Draft   *db.BrandDraft
	Brand   *db.Account
	Created bool // false: an identical change made this draft moments ago
}

func (h *HeldError) Error() string {
	return fmt.Sprintf("Saved as draft #%d: an owner of @%s must approve it before it is published", h.Draft.Number, h.Brand.Username)
}

// approvalKey marks a context applying an approved draft (unexported: only
// ApproveDraft makes one).
type approvalKey struct{}

// brandChange is a change a gate may hold.
type brandChange struct {
	verb   string
	target *db.Status
	params db.ScheduledParams
	at     *time.Time
	detail string // the audit trail's reminder of it
}

// gate applies the approval rule to actor's change: nil lets it happen;
// *HeldError means it was stored as a draft; ErrForbidden refuses a
// member whose role does not allow changes (a viewer, a stranger).
func (e *Engine) gate(ctx context.Context, actor *db.Account, c brandChange) error {
	if actor == nil || !actor.IsBrand || ctx.Value(approvalKey{}) != nil {
		return nil
	}
	a := actingFrom(ctx)
	if a.userID == 0 {
		return nil // an operator (the admin CLI), not a member
	}
	role, err := e.db.BrandRole(ctx, actor.ID, a.userID)
	if errors.Is(err, db.ErrNotMember) {
		return ErrForbidden
	} else if err != nil {
		return err
	}
	if a.role != "" {
		role = db.LesserBrandRole(role, a.role)
	}
	switch role {
	case db.BrandOwner:
		return nil
	case db.BrandEditor:
	default:
		return ErrForbidden
	}
	b, err := e.db.BrandByAccountID(ctx, actor.ID)
	if err != nil || !b.RequireApproval {
		return err
	}
	if c.verb == db.DraftDelete {
		writer, err := e.db.BrandStatusWriter(ctx, actor.ID, c.target)
		if err != nil {
			return err
		}
		if writer == a.userID {
			return nil // an editor takes back their own post
		}
	}
	return e.hold(ctx, actor, a.userID, c)
}

// hold stores the change as a pending draft of brand by member author.
func (e *Engine) hold(ctx context.Context, brand *db.Account, author int64, c brandChange) error {
	data, err := json.Marshal(c.params)
	if err != nil {
		return err
	}
	dr := &db.BrandDraft{BrandAccountID: brand.ID, AuthorUserID: author, Verb: c.verb, Params: string(data)}
	if c.target != nil {
		dr.TargetStatusID = &c.target.ID
	}
	if c.at != nil {
		at := c.at.UTC()
		dr.ScheduledAt = &at
	}
	if same, err := e.db.RecentDraft(ctx, dr, time.Now().Add(-RetryWindow)); err == nil {
		return &HeldError{Draft: same, Brand: brand}
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	uid := author
	rec := &db.BrandAudit{BrandAccountID: brand.ID, UserID: &uid, Action: "draft.create", Detail: c.detail}
	if err := e.db.InsertBrandDraft(ctx, dr, c.params.MediaIDs, rec); err != nil {
		return err
	}
	e.draftWaiting(ctx, brand, dr)
	return &HeldError{Draft: dr, Brand: brand, Created: true}
}

// draftDetail is the trail's reminder of a held change.
func draftDetail(verb string, target *db.Status, p db.ScheduledParams) string {
	switch verb {
	case db.DraftEdit:
		return "edit of " + target.URI + ": " + auditExcerpt(p.Text, p.SpoilerText)
	case db.DraftDelete:
		return "delete of " + target.URI + ": " + auditExcerpt(target.Text, target.SpoilerText)
	case db.DraftBoost:
		return "boost of " + acctOf(target.Account) + "'s " + target.URI
	}
	return auditExcerpt(p.Text, p.SpoilerText)
}

func postChange(p PostParams, at *time.Time) brandChange {
	sp := scheduledParams(p)
	return brandChange{verb: db.DraftPost, params: sp, at: at, detail: draftDetail(db.DraftPost, nil, sp)}
}

func targetChange(verb string, target *db.Status, sp db.ScheduledParams) brandChange {
	return brandChange{verb: verb, target: target, params: sp, detail: draftDetail(verb, target, sp)}
}

// checkParent checks the reply target of a new status by author: one
// author may see, not a boost.
func (e *Engine) checkParent(ctx context.Context, author *db.Account, p PostParams) error {
	if p.InReplyToID == nil {
		return nil
	}
	parent, err := e.db.StatusByID(ctx, *p.InReplyToID, db.ViewerOf(author.ID))
	if err != nil {
		return err
	}
	if parent.ReblogOfID != nil {
		return inputErr("in_reply_to_id", "can't be a boost")
	}
	return nil
}

// ValidatePost checks a new status of author the way PublishStatus will,
// without storing anything.
func (e *Engine) ValidatePost(ctx context.Context, author *db.Account, p PostParams) error {
	if err := e.validatePost(ctx, author, &p); err != nil {
		return err
	}
	return e.checkParent(ctx, author, p)
}

// ApproveDraft applies a pending draft of brand (its stored verb, through
// the engine entry the editor's request would have used) as approved by
// approver, and returns the status it made or changed (nil for a scheduled
// post). Approving twice applies once (db.ErrDraftDecided); a change that
// can no longer be applied leaves the draft pending and returns why. The
// audit records name the approver and, in their detail, the author.
func (e *Engine) ApproveDraft(ctx context.Context, brand *db.Account, dr *db.BrandDraft, approver *db.User, author string) (*db.Status, error) {
	var sp db.ScheduledParams
	if err := json.Unmarshal([]byte(dr.Params), &sp); err != nil {
		return nil, fmt.Errorf("activitypub: draft %d: %w", dr.ID, err)
	}
	if err := e.db.ClaimBrandDraft(ctx, dr.ID, approver.ID); err != nil {
		return nil, err
	}
	note := fmt.Sprintf("draft #%d written by %s, approved by @%s", dr.Number, author, approver.Account.Username)
	actx := context.WithValue(WithAuditNote(WithActingMember(ctx, approver.ID), note), approvalKey{}, dr.ID)
	s, err := e.applyDraft(actx, brand, dr, sp)
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if uerr := e.db.UnclaimBrandDraft(bg, dr.ID); uerr != nil {
			e.log.Warn("unclaim draft", "draft", dr.ID, "err", uerr)
		}
		return nil, err
	}
	var made *int64
	if s != nil && dr.Verb != db.DraftDelete {
		made = &s.ID
	}
	if err := e.db.FinishBrandDraft(bg, dr.ID, made); err != nil {
		return nil, err
	}
	dr.State, dr.StatusID = db.DraftApproved, made
	e.draftDecided(ctx, brand, dr, approver)
	return s, nil
}

// applyDraft does what the draft holds, as the brand.
func (e *Engine) applyDraft(ctx context.Context, brand *db.Account, dr *db.BrandDraft, sp db.ScheduledParams) (*db.Status, error) {
	p := PostParamsOf(sp)
	if dr.Verb != db.DraftPost && dr.TargetStatusID == nil {
		return nil, fmt.Errorf("activitypub: draft %d (%s) without a target", dr.ID, dr.Verb)
	}
	switch dr.Verb {
	case db.DraftPost:
		// A scheduled post approved too late for its time is posted now.
		if dr.ScheduledAt != nil && dr.ScheduledAt.After(time.Now().Add(MinScheduleOffset)) {
			_, err := e.ScheduleStatus(ctx, brand, *dr.ScheduledAt, p, "")
			return nil, err
		}
		return e.PublishStatus(ctx, brand, p)
	case db.DraftEdit:
		return e.EditStatus(ctx, brand, *dr.TargetStatusID, p)
	case db.DraftDelete:
		return e.DeleteStatus(ctx, brand, *dr.TargetStatusID)
	case db.DraftBoost:
		return e.Reblog(ctx, brand, *dr.TargetStatusID, sp.Visibility)
	}
	return nil, fmt.Errorf("activitypub: draft %d: unknown verb %q", dr.ID, dr.Verb)
}

// ReviseDraft replaces the text and settings of a pending or rejected
// draft of brand (a post or an edit; other verbs have nothing to change
// and are only resubmitted) and submits it again; the owners are told
// again. member is the author (the caller checked).
func (e *Engine) ReviseDraft(ctx context.Context, brand *db.Account, dr *db.BrandDraft, member int64, p *PostParams) error {
	var sp db.ScheduledParams
	if err := json.Unmarshal([]byte(dr.Params), &sp); err != nil {
		return fmt.Errorf("activitypub: draft %d: %w", dr.ID, err)
	}
	var target *db.Status
	if dr.TargetStatusID != nil {
		var err error
		if target, err = e.db.StatusByIDAny(ctx, *dr.TargetStatusID); err != nil {
			return err
		}
	}
	if p != nil {
		switch dr.Verb {
		case db.DraftPost:
			if err := e.ValidatePost(ctx, brand, *p); err != nil {
				return err
			}
		case db.DraftEdit:
			if _, err := e.composeEdit(ctx, brand, target, *p); err != nil {
				return err
			}
		default:
			return inputErr("", "a %s has nothing to change; resubmit it without parameters", dr.Verb)
		}
		sp = scheduledParams(*p)
	}
	data, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	uid := member
	rec := &db.BrandAudit{BrandAccountID: brand.ID, UserID: &uid, Action: "draft.revise", Detail: draftDetail(dr.Verb, target, sp)}
	if err := e.db.ReviseBrandDraft(ctx, dr, string(data), sp.MediaIDs, rec); err != nil {
		return err
	}
	e.draftWaiting(ctx, brand, dr)
	return nil
}
