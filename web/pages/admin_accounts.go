package pages

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// The accounts section: search with the admin API's filters
// (db.AdminAccountFilter), one account's page with what staff need to
// decide, and the actions of POST /api/v1/admin/accounts/:id/action and
// the ways back, through the same calls.

// accountsPageSize is how many accounts a page of the search lists.
const accountsPageSize = 40

// adminAccounts is /admin/accounts: username, display_name, email,
// by_domain and ip narrow the list; origin (local, remote) and status
// (active, pending, disabled, silenced, suspended) filter it.
func (ws *Workspace) adminAccounts(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "accounts", false)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := db.AdminAccountFilter{Username: strings.TrimPrefix(strings.TrimSpace(q.Get("username")), "@"),
		DisplayName: strings.TrimSpace(q.Get("display_name")), Email: strings.TrimSpace(q.Get("email")),
		ByDomain: strings.TrimSpace(q.Get("by_domain")), IP: strings.TrimSpace(q.Get("ip")),
		Origin: q.Get("origin"), Status: q.Get("status"), Exclude: activitypub.InstanceActorUsername}
	if f.Origin != "" && f.Origin != "local" && f.Origin != "remote" {
		render.Error(w, r, http.StatusBadRequest, "Origin must be local or remote.")
		return
	}
	if f.Status != "" && !slices.Contains(db.AdminAccountStatuses, f.Status) {
		render.Error(w, r, http.StatusBadRequest, "Status must be one of active, pending, disabled, silenced, suspended.")
		return
	}
	page := readPage(r)
	page.Limit = accountsPageSize
	list, err := ws.p.DB.AdminAccounts(r.Context(), f, page)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	if len(list) == accountsPageSize {
		q.Set("max_id", db.FormatID(list[len(list)-1].Account.ID))
		q.Del("done")
		data["More"] = "/admin/accounts?" + q.Encode()
	}
	data["Title"], data["Accounts"], data["Filter"], data["Statuses"] = "Accounts", list, f, db.AdminAccountStatuses
	ws.render(w, r, http.StatusOK, "admin_accounts", v, data)
}

// adminAccountView is one account as its admin page shows it.
type adminAccountView struct {
	db.AdminAccount
	Entity entity.Account
	Note   template.HTML
	// MayDelete: a suspended local account whose data an admin may remove.
	MayDelete bool
	// Undo are the ways back that apply now (approve, unsuspend …).
	Undo []undoButton
}

// undoButton is a form of a way back: the action's path and its label.
type undoButton struct{ Action, Label string }

// undoButtons are the ways back open to an account in its state.
func undoButtons(aa db.AdminAccount) []undoButton {
	var out []undoButton
	if u := aa.User; u != nil && !u.Approved {
		out = append(out, undoButton{activitypub.ActionApprove, "Approve"}, undoButton{activitypub.ActionReject, "Reject"})
	}
	if u := aa.User; u != nil && u.Disabled {
		out = append(out, undoButton{activitypub.ActionEnable, "Enable the login"})
	}
	if aa.Account.SilencedAt != nil {
		out = append(out, undoButton{activitypub.ActionUnsilence, "Lift the limit"})
	}
	if aa.Account.SuspendedAt != nil {
		out = append(out, undoButton{activitypub.ActionUnsuspend, "Unsuspend"})
	}
	if aa.Account.SensitizedAt != nil {
		out = append(out, undoButton{activitypub.ActionUnsensitive, "Media no longer sensitive"})
	}
	return out
}

// adminAccount is /admin/accounts/{id}: the profile, the login (email,
// sign-up address and reason), recent posts, reports about the account and
// the action forms.
func (ws *Workspace) adminAccount(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "accounts", false)
	if !ok {
		return
	}
	ctx := r.Context()
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	aa, err := ws.p.DB.AdminAccountByID(ctx, id)
	if err == nil && aa.Account.Local() && aa.Account.Username == activitypub.InstanceActorUsername {
		err = db.ErrNotFound
	}
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	view := adminAccountView{AdminAccount: aa, Entity: ws.present.Account(ctx, aa.Account), Note: template.HTML(aa.Account.Note)}
	view.Undo = undoButtons(aa)
	view.MayDelete = aa.Account.Local() && aa.Account.Suspended() && aa.User != nil &&
		scopes.RolePermissions(v.User.Role)&scopes.PermDeleteUserData != 0
	statuses, err := ws.p.DB.AccountStatuses(ctx, id, db.ViewerOf(v.Account.ID), db.AccountStatusesFilter{}, db.Page{Limit: 5})
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	posts, err := ws.posts(ctx, v, statuses, "public")
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	open, err := ws.p.DB.AdminReports(ctx, db.AdminReportFilter{TargetAccountID: id}, db.Page{Limit: 20})
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	resolved, err := ws.p.DB.AdminReports(ctx, db.AdminReportFilter{TargetAccountID: id, Resolved: true}, db.Page{Limit: 20})
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	self := "/admin/accounts/" + db.FormatID(id)
	reports, err := ws.reportViews(r, v, append(open, resolved...), self)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	data["Title"], data["A"], data["Posts"], data["Reports"], data["OpenReports"] = "@"+aa.Account.Acct(), view, posts, reports, open
	data["Back"] = self
	ws.render(w, r, http.StatusOK, "admin_account", v, data)
}

// accountUndoActions are the ways back a form may post, by name.
var accountUndoActions = []string{activitypub.ActionApprove, activitypub.ActionReject, activitypub.ActionEnable,
	activitypub.ActionUnsilence, activitypub.ActionUnsuspend, activitypub.ActionUnsensitive}

// moderateAccount is the forms of an account: action (type none, disable,
// sensitive, silence or suspend, with text and an optional report_id),
// approve, reject, enable, unsilence, unsuspend, unsensitive, and delete
// (the data of a suspended local account, admins only).
func (ws *Workspace) moderateAccount(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "accounts", true)
	if !ok {
		return
	}
	ctx := r.Context()
	decision := chi.URLParam(r, "decision")
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok || decision != "action" && decision != "delete" && !slices.Contains(accountUndoActions, decision) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	target, err := ws.p.DB.AccountByID(ctx, id)
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	by := activitypub.Moderator{AccountID: &v.Account.ID}
	self := "/admin/accounts/" + db.FormatID(id)
	act := activitypub.AccountAction{Type: decision, Text: strings.TrimSpace(r.PostFormValue("text"))}
	switch decision {
	case "delete":
		if scopes.RolePermissions(v.User.Role)&scopes.PermDeleteUserData == 0 {
			render.Error(w, r, http.StatusForbidden, "Only admins may remove an account's data.")
			return
		}
		err = ws.p.Engine.DeleteAccountData(ctx, by, target)
		if err == nil {
			done(w, r, self, "The data of @"+target.Acct()+" was removed.")
			return
		}
	case "action":
		act.Type = r.PostFormValue("type")
		if !activitypub.ValidAccountActionType(act.Type) {
			render.Error(w, r, http.StatusUnprocessableEntity, "Choose an action from the list: none, disable, sensitive, silence or suspend.")
			return
		}
		if s := r.PostFormValue("report_id"); s != "" {
			if act.ReportID, ok = db.ParseID(s); !ok {
				render.Error(w, r, http.StatusUnprocessableEntity, "That is not a report about this account.")
				return
			}
		}
	}
	if err == nil {
		err = ws.Admin.ModerateAccount(ctx, by, target, act)
	}
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	back := adminBack(r, self)
	if decision == activitypub.ActionReject && strings.HasPrefix(back, self) {
		back = "/admin/accounts" // the account is gone
	}
	done(w, r, back, "@"+target.Acct()+" "+pastTense(act.Type)+".")
}
