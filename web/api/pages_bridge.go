package api

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
)

// What Kontor's own pages (web/pages) borrow from the API so that they do
// not implement it twice: the media upload, the search, the profile
// editor, and the admin steps the API holds (pages.AdminAPI).

// UploadFile stores a file sent with an HTML form, with its alt text, for
// accountID — checked, processed and stored as POST /api/v2/media does.
func (h *Handlers) UploadFile(ctx context.Context, accountID int64, fh *multipart.FileHeader, description string) (*db.MediaAttachment, error) {
	description = strings.TrimSpace(description)
	if !utf8.ValidString(description) || utf8.RuneCountInString(description) > MaxMediaDescription {
		return nil, fieldErr("description", fmt.Sprintf("is too long (maximum is %d characters)", MaxMediaDescription))
	}
	file, err := h.processUpload(fh, "file", UploadLimits(h.Config), "")
	if err != nil {
		return nil, err
	}
	return h.storeUpload(ctx, accountID, &upload{file: file, description: description})
}

// Search runs the API's search for viewer (GET /api/v2/search with q and
// resolve=true): accounts (remote handles resolved through WebFinger),
// hashtags, and statuses; a URL finds (or fetches) its status or account.
func (h *Handlers) Search(ctx context.Context, viewer int64, q string) ([]entity.Account, []entity.Status, []entity.Tag, error) {
	sq := &searchQuery{viewer: viewer, q: strings.TrimSpace(q), resolve: true, limit: 20, page: db.Page{Limit: 20}}
	if sq.q == "" {
		return nil, nil, nil, nil
	}
	res, err := h.runSearch(ctx, sq)
	if err != nil {
		return nil, nil, nil, err
	}
	return res.Accounts, res.Statuses, res.Hashtags, nil
}

// UpdateProfile saves the profile form of the settings page for u's own
// account: the parameters of PATCH /api/v1/accounts/update_credentials
// (display_name, note, fields_attributes, locked, discoverable, avatar,
// header …), checked and saved through Engine.UpdateProfile as there.
func (h *Handlers) UpdateProfile(r *http.Request, u *db.User) error {
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	_, err = h.applyCredentials(r.Context(), &auth.Caller{Account: u.Account, User: u}, p)
	return err
}

// UpdateBrandProfile saves the profile form of a brand's page for brand,
// done by member (a manager of the brand; the page checks): the parameters
// and checks of update_credentials with an owner's act-as token, avatar and
// header included, recorded in the brand's audit log as member's.
func (h *Handlers) UpdateBrandProfile(r *http.Request, brand *db.Account, member *db.User) error {
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	ctx := activitypub.WithActingMember(r.Context(), member.ID)
	_, err = h.applyCredentials(ctx, &auth.Caller{Account: brand}, p)
	return err
}

// ModerateAccount applies an admin action to target through the engine (as
// POST /api/v1/admin/accounts/:id/action and the ways back do); after a
// suspension or a disabled login the person's streams end at once.
func (h *Handlers) ModerateAccount(ctx context.Context, by activitypub.Moderator, target *db.Account, act activitypub.AccountAction) error {
	if err := h.Engine.ModerateAccount(ctx, by, target, act); err != nil {
		return err
	}
	if act.Type == activitypub.ActionSuspend || act.Type == activitypub.ActionDisable {
		h.TokensRevoked()
	}
	return nil
}

// BlockEmailDomain blocks sign-ups from a domain, as POST
// /api/v1/admin/email_domain_blocks does, and records it.
func (h *Handlers) BlockEmailDomain(ctx context.Context, by activitypub.Moderator, domain string) (*db.EmailDomainBlock, error) {
	b, err := h.addEmailDomainBlock(ctx, domain)
	if errors.Is(err, db.ErrConflict) {
		return nil, fieldErr("domain", "is blocked already")
	} else if err != nil {
		return nil, err
	}
	return b, h.recordAdminAction(ctx, by, "create", "EmailDomainBlock", b.ID, b.Domain)
}

// UnblockEmailDomain lifts an email domain block and records it.
func (h *Handlers) UnblockEmailDomain(ctx context.Context, by activitypub.Moderator, id int64) error {
	b, err := h.DB.EmailDomainBlockByID(ctx, id)
	if err != nil {
		return err
	}
	if err := h.DB.DeleteEmailDomainBlock(ctx, id); err != nil {
		return err
	}
	return h.recordAdminAction(ctx, by, "destroy", "EmailDomainBlock", id, b.Domain)
}

// BlockIPs adds an IP block, as POST /api/v1/admin/ip_blocks does (the
// API's gate of no_access ranges hears of it at once), and records it.
func (h *Handlers) BlockIPs(ctx context.Context, by activitypub.Moderator, ip, severity, comment string, expiresIn int64) (*db.IPBlock, error) {
	b, err := h.addIPBlock(ctx, ip, severity, comment, expiresIn)
	if errors.Is(err, db.ErrConflict) {
		return nil, fieldErr("ip", "is blocked already")
	} else if err != nil {
		return nil, err
	}
	h.ipGate.forget()
	return b, h.recordAdminAction(ctx, by, "create", "IpBlock", b.ID, b.IP)
}

// UnblockIPs lifts an IP block and records it.
func (h *Handlers) UnblockIPs(ctx context.Context, by activitypub.Moderator, id int64) error {
	b, err := h.DB.IPBlockByID(ctx, id)
	if err != nil {
		return err
	}
	if err := h.DB.DeleteIPBlock(ctx, id); err != nil {
		return err
	}
	h.ipGate.forget()
	return h.recordAdminAction(ctx, by, "destroy", "IpBlock", id, b.IP)
}

// recordAdminAction writes the audit log entry of a page's admin action.
func (h *Handlers) recordAdminAction(ctx context.Context, by activitypub.Moderator, action, targetType string, id int64, label string) error {
	return h.DB.RecordAdminAction(ctx, &db.AdminAction{AccountID: by.AccountID, Action: action, TargetType: targetType,
		TargetID: id, TargetLabel: label})
}
