package pages

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// The moderation sections of the administration: reports and the sign-ups
// waiting for approval, for admins and moderators, acting through the
// engine calls the admin API uses (Engine.ChangeReport, and the account
// actions through AdminAPI.ModerateAccount), so the audit log and
// federation are the same. The notice emails link here.

// reportView is a report as the page shows it.
type reportView struct {
	ID                         string
	Reporter, Target, Assigned *db.Account
	AssignedToMe               bool
	Resolved                   bool
	Comment                    string
	Category                   string
	Forwarded                  bool
	CreatedAt                  string
	Posts                      []postView
	// V and Back are for the report's forms: the CSRF token, and the page
	// to come back to.
	V    *viewer
	Back string
}

// reportViews shows reports with their reported posts: the accounts in one
// query, the posts of every report in one (staff see reported posts whoever
// they were addressed to, as in the admin API).
func (ws *Workspace) reportViews(r *http.Request, v *viewer, list []*db.Report, back string) ([]reportView, error) {
	ctx := r.Context()
	var accountIDs, statusIDs []int64
	for _, rp := range list {
		accountIDs = append(accountIDs, rp.AccountID, rp.TargetAccountID)
		if rp.AssignedAccountID != nil {
			accountIDs = append(accountIDs, *rp.AssignedAccountID)
		}
		statusIDs = append(statusIDs, rp.StatusIDs...)
	}
	accounts, err := ws.p.DB.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	found, err := ws.p.DB.StatusesByIDs(ctx, statusIDs)
	if err != nil {
		return nil, err
	}
	statuses := make([]*db.Status, 0, len(found))
	for _, s := range found {
		statuses = append(statuses, s)
	}
	posts, err := ws.posts(ctx, v, statuses, "public")
	if err != nil {
		return nil, err
	}
	byID := make(map[string]postView, len(posts))
	for _, p := range posts {
		byID[p.S.ID] = p
	}
	views := make([]reportView, 0, len(list))
	for _, rp := range list {
		rv := reportView{ID: db.FormatID(rp.ID), Reporter: accounts[rp.AccountID], Target: accounts[rp.TargetAccountID],
			Comment: rp.Comment, Category: rp.Category, Forwarded: rp.Forwarded, Resolved: rp.ActionTakenAt != nil,
			CreatedAt: rp.CreatedAt.UTC().Format("2 Jan 2006 15:04 UTC"), V: v, Back: back}
		if rp.AssignedAccountID != nil {
			rv.Assigned = accounts[*rp.AssignedAccountID]
			rv.AssignedToMe = *rp.AssignedAccountID == v.Account.ID
		}
		for _, id := range rp.StatusIDs {
			if p, ok := byID[db.FormatID(id)]; ok {
				rv.Posts = append(rv.Posts, p)
			}
		}
		if rv.Reporter != nil && rv.Target != nil {
			views = append(views, rv)
		}
	}
	return views, nil
}

// reports is /admin/reports: the open reports (resolved=1: the resolved
// ones), newest first, 20 a page.
func (ws *Workspace) reports(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "reports", false)
	if !ok {
		return
	}
	resolved := r.URL.Query().Get("resolved") == "1"
	page := readPage(r)
	list, err := ws.p.DB.AdminReports(r.Context(), db.AdminReportFilter{Resolved: resolved}, page)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	base := "/admin/reports"
	if resolved {
		base += "?resolved=1"
	}
	views, err := ws.reportViews(r, v, list, base)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	var more string
	if len(list) > 0 {
		if more = moreURL("/admin/reports", len(list), list[len(list)-1].ID); more != "" && resolved {
			more += "&resolved=1"
		}
	}
	data["Title"], data["Reports"], data["Resolved"], data["Back"], data["More"] = "Reports", views, resolved, base, more
	ws.render(w, r, http.StatusOK, "moderation", v, data)
}

// changeReport is the forms of a report: resolve (first taking the chosen
// action on the reported account, with the note: one step),
// assign_to_self, unassign and reopen.
func (ws *Workspace) changeReport(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "reports", true)
	if !ok {
		return
	}
	change := chi.URLParam(r, "change")
	switch change {
	case activitypub.ReportResolve, activitypub.ReportAssignToSelf, activitypub.ReportUnassign, activitypub.ReportReopen:
	default:
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	rp, err := ws.p.DB.ReportByID(r.Context(), id)
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	by := activitypub.Moderator{AccountID: &v.Account.ID}
	note := strings.TrimSpace(r.PostFormValue("text"))
	notice := map[string]string{activitypub.ReportResolve: "Report resolved.", activitypub.ReportAssignToSelf: "Report assigned to you.",
		activitypub.ReportUnassign: "Report unassigned.", activitypub.ReportReopen: "Report reopened."}[change]
	if action := r.PostFormValue("action"); change == activitypub.ReportResolve && action != "" && action != activitypub.ActionNone {
		if !activitypub.ValidAccountActionType(action) {
			render.Error(w, r, http.StatusUnprocessableEntity, "Choose an action from the list.")
			return
		}
		target, err := ws.p.DB.AccountByID(r.Context(), rp.TargetAccountID)
		if err == nil {
			// With the report: the engine resolves it and records both.
			err = ws.Admin.ModerateAccount(r.Context(), by, target, activitypub.AccountAction{Type: action, ReportID: rp.ID, Text: note})
		}
		if err != nil {
			ws.moderationFailed(w, r, err)
			return
		}
		notice = "Report resolved: @" + target.Acct() + " " + pastTense(action) + "."
	}
	if err := ws.p.Engine.ChangeReport(r.Context(), by, rp.ID, activitypub.ReportChange{Kind: change, Text: note}); err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, adminBack(r, "/admin/reports"), notice)
}

// pastTense says what an account action did, for notices.
func pastTense(action string) string {
	switch action {
	case activitypub.ActionSensitive:
		return "marked sensitive"
	case activitypub.ActionUnsensitive:
		return "no longer marked sensitive"
	case activitypub.ActionNone:
		return "warned"
	}
	return strings.TrimSuffix(action, "e") + "ed" // suspended, silenced, approved …
}

// signUps is /admin/sign-ups: the accounts waiting for approval, with the
// reason they gave.
func (ws *Workspace) signUps(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "sign-ups", false)
	if !ok {
		return
	}
	list, err := ws.p.DB.AdminAccounts(r.Context(), db.AdminAccountFilter{Origin: "local", Status: "pending"}, db.Page{Limit: 80})
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	data["Title"], data["SignUps"], data["Back"] = "Sign-ups", list, "/admin/sign-ups"
	ws.render(w, r, http.StatusOK, "moderation", v, data)
}

func (ws *Workspace) moderationFailed(w http.ResponseWriter, r *http.Request, err error) {
	if msg, status, ok := userMessage(err); ok {
		render.Error(w, r, status, msg)
		return
	}
	ws.fail(w, r, err)
}
