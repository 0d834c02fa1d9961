package api

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// The admin API of accounts (Mastodon's /api/v1/admin/accounts and
// /api/v2/admin/accounts): for admins and moderators, by the admin scopes
// (scopes.RoleAllows decides who may hold which). Every action goes through
// Engine.ModerateAccount, as the admin CLI's do.

func (h *Handlers) adminAccountRoutes(r chi.Router) {
	r.Get("/admin/accounts", h.handler(h.adminAccountsV1))
	r.Get("/admin/accounts/{id}", h.handler(h.adminAccount))
	r.Post("/admin/accounts/{id}/action", h.handler(h.adminAccountAction))
	r.Delete("/admin/accounts/{id}", h.handler(h.adminDeleteAccount))
	for _, action := range []string{activitypub.ActionApprove, activitypub.ActionReject, activitypub.ActionEnable,
		activitypub.ActionUnsilence, activitypub.ActionUnsuspend, activitypub.ActionUnsensitive} {
		r.Post("/admin/accounts/{id}/"+action, h.handler(h.adminAccountUndo(action)))
	}
}

func (h *Handlers) adminAccountV2Routes(r chi.Router) {
	r.Get("/admin/accounts", h.handler(h.adminAccountsV2))
}

// moderator is the Moderator of the engine for an API caller.
func moderator(a *auth.Caller) activitypub.Moderator {
	id := a.Account.ID
	return activitypub.Moderator{AccountID: &id}
}

// adminAccountsV1 lists accounts by the v1 filters (flags such as local,
// pending, staff).
func (h *Handlers) adminAccountsV1(w http.ResponseWriter, r *http.Request) error {
	_, page, ok, err := h.requirePage(w, r, "admin:read:accounts", 100, 200)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	f := db.AdminAccountFilter{ByDomain: p.String("by_domain"), Username: p.String("username"),
		DisplayName: p.String("display_name"), Email: p.String("email"), IP: p.String("ip")}
	flags := map[string]*string{"local": &f.Origin, "remote": &f.Origin}
	for _, s := range db.AdminAccountStatuses {
		flags[s] = &f.Status
	}
	for name, dst := range flags {
		if on, _, err := p.Bool(name); err != nil {
			return err
		} else if on {
			*dst = name
		}
	}
	if f.Staff, err = p.BoolDefault("staff", false); err != nil {
		return err
	}
	return h.renderAdminAccounts(w, r, f, page)
}

// adminAccountsV2 lists accounts by the v2 filters (origin, status,
// permissions, role_ids …).
func (h *Handlers) adminAccountsV2(w http.ResponseWriter, r *http.Request) error {
	_, page, ok, err := h.requirePage(w, r, "admin:read:accounts", 100, 200)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	f := db.AdminAccountFilter{Origin: p.String("origin"), Status: p.String("status"), ByDomain: p.String("by_domain"),
		Username: p.String("username"), DisplayName: p.String("display_name"), Email: p.String("email"), IP: p.String("ip"),
		Staff: p.String("permissions") == "staff"}
	switch {
	case f.Origin != "" && f.Origin != "local" && f.Origin != "remote":
		return fieldErr("origin", "must be local or remote")
	case f.Status != "" && !slices.Contains(db.AdminAccountStatuses, f.Status):
		return fieldErr("status", "must be one of active, pending, disabled, silenced, suspended")
	case p.Has("permissions") && !f.Staff:
		return fieldErr("permissions", "must be staff")
	}
	for _, id := range p.Strings("role_ids") {
		role, ok := roleByID[id]
		if !ok {
			return fieldErr("role_ids", "names an unknown role")
		}
		f.Roles = append(f.Roles, role)
	}
	if f.InvitedBy, _, err = p.ID("invited_by"); err != nil {
		return err
	}
	return h.renderAdminAccounts(w, r, f, page)
}

// roleByID maps the ids of entity.UserRole back to roles.
var roleByID = map[string]string{"3": db.RoleAdmin, "1": db.RoleModerator, "-99": db.RoleUser}

func (h *Handlers) renderAdminAccounts(w http.ResponseWriter, r *http.Request, f db.AdminAccountFilter, page db.Page) error {
	f.Exclude = activitypub.InstanceActorUsername
	list, err := h.DB.AdminAccounts(r.Context(), f, page)
	if err != nil {
		return err
	}
	setPageLink(h, w, r, list, func(a db.AdminAccount) int64 { return a.Account.ID })
	render.JSON(w, http.StatusOK, h.present.AdminAccounts(r.Context(), list))
	return nil
}

func (h *Handlers) adminAccount(w http.ResponseWriter, r *http.Request) error {
	_, id, ok, err := h.requireID(w, r, "admin:read:accounts")
	if !ok {
		return err
	}
	return h.renderAdminAccount(w, r, id)
}

func (h *Handlers) renderAdminAccount(w http.ResponseWriter, r *http.Request, id int64) error {
	aa, err := h.DB.AdminAccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	if aa.Account.Local() && aa.Account.Username == activitypub.InstanceActorUsername {
		return errNotFound
	}
	render.JSON(w, http.StatusOK, h.present.AdminAccounts(r.Context(), []db.AdminAccount{aa})[0])
	return nil
}

// adminAccountAction is POST /action: type (none, disable, sensitive,
// silence, suspend), report_id and text. Mastodon answers an empty object.
func (h *Handlers) adminAccountAction(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "admin:write:accounts")
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	act := activitypub.AccountAction{Type: p.String("type"), Text: p.String("text")}
	if !activitypub.ValidAccountActionType(act.Type) {
		return fieldErr("type", "must be one of none, disable, sensitive, silence, suspend")
	}
	if act.ReportID, _, err = p.ID("report_id"); err != nil {
		return err
	}
	target, err := h.DB.AccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.ModerateAccount(r.Context(), moderator(a), target, act); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// adminAccountUndo is approve, reject, enable, unsilence, unsuspend and
// unsensitive: each answers the Admin::Account afterwards.
func (h *Handlers) adminAccountUndo(action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, id, ok, err := h.requireID(w, r, "admin:write:accounts")
		if !ok {
			return err
		}
		target, err := h.DB.AdminAccountByID(r.Context(), id)
		if err != nil {
			return err
		}
		if err := h.ModerateAccount(r.Context(), moderator(a), target.Account, activitypub.AccountAction{Type: action}); err != nil {
			return err
		}
		if action == activitypub.ActionReject {
			// The account is gone; answer it as it was.
			target.User.Approved = false
			render.JSON(w, http.StatusOK, h.present.AdminAccounts(r.Context(), []db.AdminAccount{target})[0])
			return nil
		}
		return h.renderAdminAccount(w, r, id)
	}
}

// adminDeleteAccount removes the data of a suspended local account (admins
// only: Mastodon's delete_user_data permission).
func (h *Handlers) adminDeleteAccount(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "admin:write:accounts")
	if !ok {
		return err
	}
	if !a.Permitted(scopes.PermDeleteUserData) {
		return errForbidden
	}
	target, err := h.DB.AdminAccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.Engine.DeleteAccountData(r.Context(), moderator(a), target.Account); err != nil {
		return err
	}
	return h.renderAdminAccount(w, r, id)
}
