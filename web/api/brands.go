package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/brands"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
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
//	POST   /api/v1/kontor/brands/:id/drafts/:draft_id/approve   apply it → Status (a scheduled post: the BrandDraft) (owners)
//	POST   /api/v1/kontor/brands/:id/drafts/:draft_id/reject    note (owners) → the draft
//	GET    /api/v1/kontor/drafts?state=                         my drafts across brands
//	PUT    /api/v1/kontor/drafts/:id                            change and resubmit my draft (status, spoiler_text …)
//
// Strangers get 404 for a brand (its team is not public); members whose
// role does not allow an action get 403.

// Page sizes of the audit trail and draft lists.
const (
	brandPageDefault = 40
	brandPageMax     = 80
)

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
	r.Put("/kontor/drafts/{id}", h.handler(h.reviseDraft))
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
	return h.renderBrandMember(w, r, m, err)
}

// updateBrandMember is PATCH /api/v1/kontor/brands/:id/members/:user_id:
// role (owners) → the BrandMember.
func (h *Handlers) updateBrandMember(w http.ResponseWriter, r *http.Request) error {
	acc, userID, ok, err := h.openBrandMember(w, r)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	m, err := h.brands().SetRole(r.Context(), acc, userID, strings.TrimSpace(p.String("role")))
	return h.renderBrandMember(w, r, m, err)
}

// removeBrandMember is DELETE /api/v1/kontor/brands/:id/members/:user_id → {}.
func (h *Handlers) removeBrandMember(w http.ResponseWriter, r *http.Request) error {
	acc, userID, ok, err := h.openBrandMember(w, r)
	if !ok {
		return err
	}
	if err := h.brands().RemoveMember(r.Context(), acc, userID); err != nil {
		return brandErr(err)
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// openBrandMember is openBrand for a change of the members (write:accounts),
// with the path's user_id.
func (h *Handlers) openBrandMember(w http.ResponseWriter, r *http.Request) (acc *brands.Access, userID int64, ok bool, err error) {
	if acc, ok, err = h.openBrand(w, r, "write:accounts"); !ok {
		return nil, 0, false, err
	}
	if userID, err = pathID(r, "user_id"); err != nil {
		return nil, 0, false, err
	}
	return acc, userID, true, nil
}

// renderBrandMember answers a member the brand service returned (or its
// refusal).
func (h *Handlers) renderBrandMember(w http.ResponseWriter, r *http.Request, m *db.BrandMember, err error) error {
	if err != nil {
		return brandErr(err)
	}
	render.JSON(w, http.StatusOK, h.brandMember(r, m))
	return nil
}

// brandAudit is GET /api/v1/kontor/brands/:id/audit (owners and instance
// admins), newest first, paged with max_id/since_id/min_id/limit and Link.
func (h *Handlers) brandAudit(w http.ResponseWriter, r *http.Request) error {
	acc, page, ok, err := h.openBrandPage(w, r, "read:accounts")
	if !ok {
		return err
	}
	list, err := h.brands().AuditLog(r.Context(), acc, page)
	if err != nil {
		return brandErr(err)
	}
	setPageLink(h, w, r, list, func(e *db.BrandAudit) int64 { return e.ID })
	render.JSON(w, http.StatusOK, h.auditEntries(r, list))
	return nil
}

// brandDrafts is GET /api/v1/kontor/brands/:id/drafts?state= (owners: all;
// other members: their own), paged with Link.
func (h *Handlers) brandDrafts(w http.ResponseWriter, r *http.Request) error {
	acc, page, ok, err := h.openBrandPage(w, r, "read:statuses")
	if !ok {
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
	setPageLink(h, w, r, list, func(dr *db.BrandDraft) int64 { return dr.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

// approveBrandDraft is POST /api/v1/kontor/brands/:id/drafts/:draft_id/approve
// (owners): the draft is published as the brand → the Status.
func (h *Handlers) approveBrandDraft(w http.ResponseWriter, r *http.Request) error {
	acc, id, ok, err := h.openBrandDraft(w, r)
	if !ok {
		return err
	}
	st, err := h.brands().Approve(r.Context(), acc, id)
	if err != nil {
		return brandErr(err)
	}
	if st == nil {
		// A post scheduled for later: the draft says when.
		dr, err := h.brands().Draft(r.Context(), acc, id)
		if err != nil {
			return err
		}
		out, err := h.draftEntity(r, dr)
		if err != nil {
			return err
		}
		render.JSON(w, http.StatusOK, out)
		return nil
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
	acc, id, ok, err := h.openBrandDraft(w, r)
	if !ok {
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

// openBrandPage is openBrand, then the paging parameters of the brand's
// lists.
func (h *Handlers) openBrandPage(w http.ResponseWriter, r *http.Request, scope string) (acc *brands.Access, page db.Page, ok bool, err error) {
	if acc, ok, err = h.openBrand(w, r, scope); !ok {
		return nil, page, false, err
	}
	if page, err = pageParams(r, brandPageDefault, brandPageMax); err != nil {
		return nil, page, false, err
	}
	return acc, page, true, nil
}

// openBrandDraft is openBrand for a decision on a draft (write:statuses),
// with the path's draft_id.
func (h *Handlers) openBrandDraft(w http.ResponseWriter, r *http.Request) (acc *brands.Access, id int64, ok bool, err error) {
	if acc, ok, err = h.openBrand(w, r, "write:statuses"); !ok {
		return nil, 0, false, err
	}
	if id, err = pathID(r, "draft_id"); err != nil {
		return nil, 0, false, err
	}
	return acc, id, true, nil
}

// reviseDraft is PUT /api/v1/kontor/drafts/:id: the author changes a
// pending or rejected draft (the parameters of POST /api/v1/statuses; none
// at all resubmits it as it is) and submits it again → the BrandDraft.
func (h *Handlers) reviseDraft(w http.ResponseWriter, r *http.Request) error {
	a, ok, err := h.brandCaller(w, r, "write:statuses")
	if !ok {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	post, err := h.draftParams(r, a, id, p)
	if err != nil {
		return brandErr(err)
	}
	dr, err := h.brands().Revise(r.Context(), a.User, id, post)
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

// draftParams reads a revised draft's post as its brand would post it (nil
// when the request changes nothing).
func (h *Handlers) draftParams(r *http.Request, a *auth.Caller, id int64, p *Params) (*activitypub.PostParams, error) {
	if len(p.Values()) == 0 {
		return nil, nil
	}
	dr, err := h.DB.BrandDraftAny(r.Context(), id)
	if err != nil || dr.AuthorUserID != a.User.ID {
		return nil, brands.ErrNotFound
	}
	brand, err := h.DB.AccountByID(r.Context(), dr.BrandAccountID)
	if err != nil {
		return nil, err
	}
	as := *a
	as.Account = brand
	post, err := h.readNewStatus(r.Context(), &as, p)
	return &post, err
}
