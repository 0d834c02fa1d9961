package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/brands"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Brand accounts (package brands): the team behind @acme manages it with
// their OWN tokens (a token acting as the brand is refused here):
//
//	GET    /api/v1/kontor/brands                                brands I belong to, with my role
//	GET    /api/v1/kontor/brands/:id                            the brand, its approval switch and members (members)
//	PATCH  /api/v1/kontor/brands/:id                            require_approval (owners)
//	POST   /api/v1/kontor/brands/:id/members                    username, role (owners)
//	PATCH  /api/v1/kontor/brands/:id/members/:user_id           role (owners)
//	DELETE /api/v1/kontor/brands/:id/members/:user_id           owners; a member may remove themself
//	GET    /api/v1/kontor/brands/:id/audit                      the audit trail (owners, instance admins)
//	GET    /api/v1/kontor/brands/:id/drafts?state=              drafts (owners: all; others: their own)
//	POST   /api/v1/kontor/brands/:id/drafts/:draft_id/approve   publish it → Status (owners)
//	POST   /api/v1/kontor/brands/:id/drafts/:draft_id/reject    note (owners) → the draft
//	GET    /api/v1/kontor/drafts?state=                         my drafts across brands
//
// Strangers get 404 for a brand (its team is not public); members whose
// role does not allow an action get 403.

// Page sizes of the audit trail and draft lists.
const (
	brandPageDefault = 40
	brandPageMax     = 80
)

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

// BrandDraft is a post by an editor waiting for (or decided by) an owner.
type BrandDraft struct {
	ID          string           `json:"id"`
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

// brandRoutes registers the brand management endpoints.
func (h *Handlers) brandRoutes(r chi.Router) {
	r.Get("/kontor/brands", h.handler(h.listBrands))
	r.Get("/kontor/brands/{id}", h.handler(h.getBrand))
	r.Patch("/kontor/brands/{id}", h.handler(h.updateBrand))
	r.Post("/kontor/brands/{id}/members", h.handler(h.addBrandMember))
	r.Patch("/kontor/brands/{id}/members/{user_id}", h.handler(h.updateBrandMember))
	r.Delete("/kontor/brands/{id}/members/{user_id}", h.handler(h.removeBrandMember))
	r.Get("/kontor/brands/{id}/audit", h.handler(h.brandAudit))
	r.Get("/kontor/brands/{id}/drafts", h.handler(h.brandDrafts))
	r.Post("/kontor/brands/{id}/drafts/{draft_id}/approve", h.handler(h.approveBrandDraft))
	r.Post("/kontor/brands/{id}/drafts/{draft_id}/reject", h.handler(h.rejectBrandDraft))
	r.Get("/kontor/drafts", h.handler(h.myDrafts))
}

func (h *Handlers) brands() *brands.Service { return brands.New(h.DB, h.Engine) }

// errOwnToken: brands are managed with the member's own token.
var errOwnToken = apiErr(http.StatusForbidden, "Manage brands with your own account's token, not one acting as a brand")

// brandCaller authenticates a management request: a user's own token with
// the scope.
func (h *Handlers) brandCaller(w http.ResponseWriter, r *http.Request, scope string) (*auth.Caller, bool, error) {
	a, ok := h.require(w, r, scope)
	if !ok {
		return nil, false, nil
	}
	if a.BrandRole != "" || ownUser(a) == nil {
		return nil, false, errOwnToken
	}
	return a, true, nil
}

// openBrand authenticates and loads the brand of the URL for the caller.
func (h *Handlers) openBrand(w http.ResponseWriter, r *http.Request, scope string) (*brands.Access, bool, error) {
	a, ok, err := h.brandCaller(w, r, scope)
	if !ok {
		return nil, false, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, false, err
	}
	acc, err := h.brands().Open(r.Context(), a.User, id)
	if err != nil {
		return nil, false, brandErr(err)
	}
	return acc, true, nil
}

// brandErr maps the brand service's refusals to API errors.
func brandErr(err error) error {
	var f *brands.Forbidden
	var inv *brands.Invalid
	switch {
	case errors.As(err, &f):
		return apiErr(http.StatusForbidden, f.Msg)
	case errors.As(err, &inv):
		return apiErr(http.StatusUnprocessableEntity, inv.Msg)
	}
	return err
}

func (h *Handlers) brandEntity(r *http.Request, b *db.Brand, role string) Brand {
	return Brand{ID: db.FormatID(b.AccountID), Account: h.present.Account(r.Context(), b.Account), Role: role, RequireApproval: b.RequireApproval}
}

// listBrands is GET /api/v1/kontor/brands.
func (h *Handlers) listBrands(w http.ResponseWriter, r *http.Request) error {
	a, ok, err := h.brandCaller(w, r, "read:accounts")
	if !ok {
		return err
	}
	list, err := h.brands().MyBrands(r.Context(), a.User)
	if err != nil {
		return err
	}
	out := make([]Brand, len(list))
	for i, m := range list {
		m.Brand.Account = m.Account
		out[i] = h.brandEntity(r, m.Brand, m.Role)
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// brandWithMembers renders a brand with its members.
func (h *Handlers) brandWithMembers(w http.ResponseWriter, r *http.Request, acc *brands.Access) error {
	members, err := h.brands().Members(r.Context(), acc)
	if err != nil {
		return brandErr(err)
	}
	out := h.brandEntity(r, acc.Brand, acc.Role)
	out.Members = make([]BrandMember, 0, len(members))
	for _, m := range members {
		out.Members = append(out.Members, h.brandMember(r, m))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) brandMember(r *http.Request, m *db.BrandMember) BrandMember {
	return BrandMember{UserID: db.FormatID(m.UserID), Account: h.present.Account(r.Context(), m.User.Account), Role: m.Role, CreatedAt: entity.Time(m.CreatedAt)}
}

// getBrand is GET /api/v1/kontor/brands/:id (members).
func (h *Handlers) getBrand(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "read:accounts")
	if !ok {
		return err
	}
	return h.brandWithMembers(w, r, acc)
}

// updateBrand is PATCH /api/v1/kontor/brands/:id: require_approval (owners).
func (h *Handlers) updateBrand(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "write:accounts")
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	on, given, err := p.Bool("require_approval")
	if err != nil {
		return err
	}
	if !given {
		on = acc.Brand.RequireApproval // nothing to change, but still owners only
	}
	if err := h.brands().SetApproval(r.Context(), acc, on); err != nil {
		return brandErr(err)
	}
	return h.brandWithMembers(w, r, acc)
}

// addBrandMember is POST /api/v1/kontor/brands/:id/members: username, role
// (owners) → the BrandMember.
func (h *Handlers) addBrandMember(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "write:accounts")
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	m, err := h.brands().AddMember(r.Context(), acc, p.String("username"), strings.TrimSpace(p.String("role")))
	if err != nil {
		return brandErr(err)
	}
	render.JSON(w, http.StatusOK, h.brandMember(r, m))
	return nil
}

// updateBrandMember is PATCH /api/v1/kontor/brands/:id/members/:user_id:
// role (owners) → the BrandMember.
func (h *Handlers) updateBrandMember(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "write:accounts")
	if !ok {
		return err
	}
	userID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	m, err := h.brands().SetRole(r.Context(), acc, userID, strings.TrimSpace(p.String("role")))
	if err != nil {
		return brandErr(err)
	}
	render.JSON(w, http.StatusOK, h.brandMember(r, m))
	return nil
}

// removeBrandMember is DELETE /api/v1/kontor/brands/:id/members/:user_id → {}.
func (h *Handlers) removeBrandMember(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "write:accounts")
	if !ok {
		return err
	}
	userID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.brands().RemoveMember(r.Context(), acc, userID); err != nil {
		return brandErr(err)
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// brandAudit is GET /api/v1/kontor/brands/:id/audit (owners and instance
// admins), newest first, paged with max_id/since_id/min_id/limit and Link.
func (h *Handlers) brandAudit(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "read:accounts")
	if !ok {
		return err
	}
	page, err := pageParams(r, brandPageDefault, brandPageMax)
	if err != nil {
		return err
	}
	list, err := h.brands().AuditLog(r.Context(), acc, page)
	if err != nil {
		return brandErr(err)
	}
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
	if len(list) > 0 {
		h.setLink(w, r, list[0].ID, list[len(list)-1].ID, len(list))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// brandDrafts is GET /api/v1/kontor/brands/:id/drafts?state= (owners: all;
// other members: their own), paged with Link.
func (h *Handlers) brandDrafts(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "read:statuses")
	if !ok {
		return err
	}
	page, err := pageParams(r, brandPageDefault, brandPageMax)
	if err != nil {
		return err
	}
	list, err := h.brands().Drafts(r.Context(), acc, r.URL.Query().Get("state"), page)
	if err != nil {
		return brandErr(err)
	}
	return h.renderDrafts(w, r, list)
}

// myDrafts is GET /api/v1/kontor/drafts?state=: the caller's drafts across
// brands, paged with Link.
func (h *Handlers) myDrafts(w http.ResponseWriter, r *http.Request) error {
	a, ok, err := h.brandCaller(w, r, "read:statuses")
	if !ok {
		return err
	}
	page, err := pageParams(r, brandPageDefault, brandPageMax)
	if err != nil {
		return err
	}
	list, err := h.brands().MyDrafts(r.Context(), a.User, r.URL.Query().Get("state"), page)
	if err != nil {
		return brandErr(err)
	}
	return h.renderDrafts(w, r, list)
}

func (h *Handlers) renderDrafts(w http.ResponseWriter, r *http.Request, list []*db.BrandDraft) error {
	out := make([]BrandDraft, 0, len(list))
	for _, dr := range list {
		e, err := h.draftEntity(r, dr)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(list) > 0 {
		h.setLink(w, r, list[0].ID, list[len(list)-1].ID, len(list))
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) draftEntity(r *http.Request, dr *db.BrandDraft) (BrandDraft, error) {
	ctx := r.Context()
	out := BrandDraft{ID: db.FormatID(dr.ID), BrandID: db.FormatID(dr.BrandAccountID), State: dr.State, Note: dr.Note,
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
	if dr.StatusID != nil {
		out.StatusID = ptr(db.FormatID(*dr.StatusID))
	}
	sp, err := brands.DraftParams(dr)
	if err != nil {
		return out, err
	}
	out.Params = BrandDraftParams{Text: sp.Text, SpoilerText: sp.SpoilerText, Visibility: sp.Visibility.String(),
		Sensitive: sp.Sensitive, MediaIDs: make([]string, 0, len(sp.MediaIDs))}
	if sp.Language != "" {
		out.Params.Language = ptr(sp.Language)
	}
	if sp.InReplyToID != nil {
		out.Params.InReplyToID = ptr(db.FormatID(*sp.InReplyToID))
	}
	for _, id := range sp.MediaIDs {
		out.Params.MediaIDs = append(out.Params.MediaIDs, db.FormatID(id))
	}
	if sp.Poll != nil {
		out.Params.Poll = &entity.ScheduledPollParams{Options: sp.Poll.Options, ExpiresIn: sp.Poll.ExpiresIn, Multiple: sp.Poll.Multiple, HideTotals: sp.Poll.HideTotals}
	}
	return out, nil
}

// approveBrandDraft is POST /api/v1/kontor/brands/:id/drafts/:draft_id/approve
// (owners): the draft is published as the brand → the Status.
func (h *Handlers) approveBrandDraft(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "write:statuses")
	if !ok {
		return err
	}
	id, err := pathID(r, "draft_id")
	if err != nil {
		return err
	}
	st, err := h.brands().Approve(r.Context(), acc, id)
	if err != nil {
		return brandErr(err)
	}
	out, err := h.present.Status(r.Context(), acc.Brand.AccountID, st)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// rejectBrandDraft is POST /api/v1/kontor/brands/:id/drafts/:draft_id/reject:
// note (owners) → the BrandDraft, back with its author.
func (h *Handlers) rejectBrandDraft(w http.ResponseWriter, r *http.Request) error {
	acc, ok, err := h.openBrand(w, r, "write:statuses")
	if !ok {
		return err
	}
	id, err := pathID(r, "draft_id")
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	dr, err := h.brands().Reject(r.Context(), acc, id, p.String("note"))
	if err != nil {
		return brandErr(err)
	}
	out, err := h.draftEntity(r, dr)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// holdForApproval is the approval workflow's hook in POST /api/v1/statuses
// (call it first thing after authentication, before the post is read or
// published): for an editor acting as a brand that requires approval it
// stores the post as a draft and answers 422 with the draft's id, which a
// stock Mastodon app shows as an error message; an identical retry by the
// same member within ten minutes answers with the same draft. It returns
// held=false (having written nothing) for everyone else.
func (h *Handlers) holdForApproval(w http.ResponseWriter, r *http.Request, a *auth.Caller, p *Params) (held bool, err error) {
	if a == nil || a.BrandRole == "" || a.User == nil {
		return false, nil
	}
	ctx := r.Context()
	b, err := h.DB.BrandByAccountID(ctx, a.Account.ID)
	if err != nil {
		return false, err
	}
	if !brands.MustHold(b, a.BrandRole) {
		return false, nil
	}
	post, err := h.readNewStatus(ctx, a, p)
	if err != nil {
		return false, err
	}
	dr, _, err := h.brands().Hold(ctx, a.Account, a.User, post)
	if err != nil {
		return false, err
	}
	id := db.FormatID(dr.ID)
	render.JSON(w, http.StatusUnprocessableEntity, map[string]string{
		"error":           "Saved as draft #" + id + ": an owner of @" + a.Account.Username + " must approve it before it is published",
		"kontor_draft_id": id,
	})
	return true, nil
}
