package api

import (
	"net/http"

	"github.com/kontor-social/kontor/brands"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// The JSON of the brand management API (brands.go): brands, members, the
// audit trail and drafts.

// Brand is a brand account as its members see it.
type Brand struct {
	ID              string         `json:"id"`
	Account         entity.Account `json:"account"`
	Role            string         `json:"role"` // the caller's role; "" for an admin who is not a member
	RequireApproval bool           `json:"require_approval"`
	Members         []BrandMember  `json:"members,omitempty"`
}

// BrandMember is a member of a brand and their role.
type BrandMember struct {
	UserID    string         `json:"user_id"`
	Account   entity.Account `json:"account"` // the member's own account
	Role      string         `json:"role"`
	CreatedAt string         `json:"created_at"`
}

// BrandAuditEntry is one action done as a brand: who did what.
type BrandAuditEntry struct {
	ID        string          `json:"id"`
	Action    string          `json:"action"`
	StatusID  *string         `json:"status_id"`
	Detail    string          `json:"detail"`
	CreatedAt string          `json:"created_at"`
	UserID    *string         `json:"user_id"`
	Member    *entity.Account `json:"member"` // the member's own account; null for the admin CLI or a former user
}

// BrandDraft is a change by an editor waiting for (or decided by) an owner.
type BrandDraft struct {
	ID          string           `json:"id"`
	Number      int64            `json:"number"` // #12: how people name it
	Verb        string           `json:"verb"`   // post, edit, delete or boost
	TargetID    *string          `json:"target_status_id"`
	ScheduledAt *string          `json:"scheduled_at"`
	BrandID     string           `json:"brand_id"`
	Brand       *entity.Account  `json:"brand"`
	State       string           `json:"state"` // pending, approved or rejected
	Note        string           `json:"note"`
	Params      BrandDraftParams `json:"params"`
	AuthorID    string           `json:"author_user_id"`
	Author      *entity.Account  `json:"author"`
	DecidedByID *string          `json:"decided_by_user_id"`
	DecidedBy   *entity.Account  `json:"decided_by"`
	DecidedAt   *string          `json:"decided_at"`
	StatusID    *string          `json:"status_id"`
	CreatedAt   string           `json:"created_at"`
}

// BrandDraftParams are what the draft will be posted with.
type BrandDraftParams struct {
	Text        string                      `json:"text"`
	SpoilerText string                      `json:"spoiler_text"`
	Visibility  string                      `json:"visibility"`
	Sensitive   bool                        `json:"sensitive"`
	Language    *string                     `json:"language"`
	InReplyToID *string                     `json:"in_reply_to_id"`
	MediaIDs    []string                    `json:"media_ids"`
	Poll        *entity.ScheduledPollParams `json:"poll"`
}

// brandEntity renders a brand with the caller's role in it.
func (h *Handlers) brandEntity(r *http.Request, b *db.Brand, role string) Brand {
	return Brand{ID: db.FormatID(b.AccountID), Account: h.present.Account(r.Context(), b.Account), Role: role, RequireApproval: b.RequireApproval}
}

// brandMember renders a member with their own account.
func (h *Handlers) brandMember(r *http.Request, m *db.BrandMember) BrandMember {
	return BrandMember{UserID: db.FormatID(m.UserID), Account: h.present.Account(r.Context(), m.User.Account), Role: m.Role, CreatedAt: entity.Time(m.CreatedAt)}
}

// auditEntries renders entries of a brand's audit trail.
func (h *Handlers) auditEntries(r *http.Request, list []*db.BrandAudit) []BrandAuditEntry {
	out := make([]BrandAuditEntry, len(list))
	for i, e := range list {
		out[i] = BrandAuditEntry{ID: db.FormatID(e.ID), Action: e.Action, Detail: e.Detail, CreatedAt: entity.Time(e.CreatedAt)}
		if e.StatusID != nil {
			out[i].StatusID = ptr(db.FormatID(*e.StatusID))
		}
		if e.UserID != nil {
			out[i].UserID = ptr(db.FormatID(*e.UserID))
		}
		if e.User != nil && e.User.Account != nil {
			out[i].Member = ptr(h.present.Account(r.Context(), e.User.Account))
		}
	}
	return out
}

// draftEntity renders a draft with the accounts it names.
func (h *Handlers) draftEntity(r *http.Request, dr *db.BrandDraft) (BrandDraft, error) {
	ctx := r.Context()
	out := BrandDraft{ID: db.FormatID(dr.ID), Number: dr.Number, Verb: dr.Verb, BrandID: db.FormatID(dr.BrandAccountID), State: dr.State, Note: dr.Note,
		AuthorID: db.FormatID(dr.AuthorUserID), CreatedAt: entity.Time(dr.CreatedAt)}
	if b, err := h.DB.AccountByID(ctx, dr.BrandAccountID); err == nil {
		out.Brand = ptr(h.present.Account(ctx, b))
	}
	if dr.Author != nil && dr.Author.Account != nil {
		out.Author = ptr(h.present.Account(ctx, dr.Author.Account))
	}
	if dr.DecidedByUserID != nil {
		out.DecidedByID = ptr(db.FormatID(*dr.DecidedByUserID))
	}
	if dr.DecidedBy != nil && dr.DecidedBy.Account != nil {
		out.DecidedBy = ptr(h.present.Account(ctx, dr.DecidedBy.Account))
	}
	if dr.DecidedAt != nil {
		out.DecidedAt = ptr(entity.Time(*dr.DecidedAt))
	}
	if dr.TargetStatusID != nil {
		out.TargetID = ptr(db.FormatID(*dr.TargetStatusID))
	}
	if dr.ScheduledAt != nil {
		out.ScheduledAt = ptr(entity.Time(*dr.ScheduledAt))
	}
	if dr.StatusID != nil {
		out.StatusID = ptr(db.FormatID(*dr.StatusID))
	}
	sp, err := brands.DraftParams(dr)
	if err != nil {
		return out, err
	}
	out.Params = BrandDraftParams{Text: sp.Text, SpoilerText: sp.SpoilerText, Visibility: sp.Visibility.String(),
		Sensitive: sp.Sensitive, MediaIDs: make([]string, 0, len(sp.MediaIDs)), Poll: entity.ScheduledPollOf(sp.Poll)}
	if sp.Language != "" {
		out.Params.Language = ptr(sp.Language)
	}
	if sp.InReplyToID != nil {
		out.Params.InReplyToID = ptr(db.FormatID(*sp.InReplyToID))
	}
	for _, id := range sp.MediaIDs {
		out.Params.MediaIDs = append(out.Params.MediaIDs, db.FormatID(id))
	}
	return out, nil
}
