package pages

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// The moderation pages: the open reports and the sign-ups waiting for
// approval, for admins and moderators, acting through the engine calls the
// admin API uses (Engine.ChangeReport, Engine.ModerateAccount), so the
// audit log and federation are the same. The notice emails link here.

// moderationLinks are the pages staff see in the navigation bar.
var moderationLinks = []navLink{{"/admin/reports", "Reports"}, {"/admin/sign-ups", "Sign-ups"}}

func isStaff(u *db.User) bool { return u.Role == db.RoleAdmin || u.Role == db.RoleModerator }

// staff is viewer for staff only; others get a 403 page.
func (ws *Workspace) staff(w http.ResponseWriter, r *http.Request, form bool) (*viewer, bool) {
	view := ws.viewer
	if form {
		view = ws.formViewer
	}
	v, ok := view(w, r)
	if ok && !isStaff(v.User) {
		render.Error(w, r, http.StatusForbidden, "Only admins and moderators may see this page.")
		return nil, false
	}
	return v, ok
}

// reportView is an open report as the page shows it.
type reportView struct {
	ID               string
	Reporter, Target *db.Account
	Comment          string
	Category         string
	Posts            []postView
}

func (ws *Workspace) reports(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.staff(w, r, false)
	if !ok {
		return
	}
	list, err := ws.p.DB.AdminReports(r.Context(), db.AdminReportFilter{}, db.Page{Limit: 40})
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	var ids []int64
	for _, rp := range list {
		ids = append(ids, rp.AccountID, rp.TargetAccountID)
	}
	accounts, err := ws.p.DB.AccountsByIDs(r.Context(), ids)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	views := make([]reportView, 0, len(list))
	for _, rp := range list {
		rv := reportView{ID: db.FormatID(rp.ID), Reporter: accounts[rp.AccountID], Target: accounts[rp.TargetAccountID],
			Comment: rp.Comment, Category: rp.Category}
		// The reported posts as the moderator may see them (the one visibility rule).
		found, err := ws.p.DB.VisibleStatusesByIDs(r.Context(), rp.StatusIDs, db.ViewerOf(v.Account.ID))
		if err != nil {
			ws.fail(w, r, err)
			return
		}
		var posts []*db.Status
		for _, id := range rp.StatusIDs {
			if s := found[id]; s != nil {
				posts = append(posts, s)
			}
		}
		if rv.Posts, err = ws.posts(r.Context(), v, posts, "public"); err != nil {
			ws.fail(w, r, err)
			return
		}
		if rv.Reporter != nil && rv.Target != nil {
			views = append(views, rv)
		}
	}
	ws.render(w, r, http.StatusOK, "moderation", v, map[string]any{"Title": "Reports", "Nav": "reports", "Reports": views,
		"Notice": r.URL.Query().Get("done")})
}

// resolveReport resolves a report, first taking the chosen action (none,
// silence, suspend …) on the reported account with the note.
func (ws *Workspace) resolveReport(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.staff(w, r, true)
	if !ok {
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
	action, note := r.PostFormValue("action"), strings.TrimSpace(r.PostFormValue("text"))
	if action != "" && action != activitypub.ActionNone {
		if !activitypub.ValidAccountActionType(action) {
			render.Error(w, r, http.StatusUnprocessableEntity, "Choose an action from the list.")
			return
		}
		target, err := ws.p.DB.AccountByID(r.Context(), rp.TargetAccountID)
		if err == nil {
			err = ws.p.Engine.ModerateAccount(r.Context(), by, target, activitypub.AccountAction{Type: action, ReportID: rp.ID, Text: note})
		}
		if err != nil {
			ws.moderationFailed(w, r, err)
			return
		}
	}
	if err := ws.p.Engine.ChangeReport(r.Context(), by, rp.ID, activitypub.ReportChange{Kind: activitypub.ReportResolve, Text: note}); err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/reports?done=Report+resolved.", http.StatusSeeOther)
}

func (ws *Workspace) signUps(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.staff(w, r, false)
	if !ok {
		return
	}
	list, err := ws.p.DB.AdminAccounts(r.Context(), db.AdminAccountFilter{Origin: "local", Status: "pending"}, db.Page{Limit: 80})
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	ws.render(w, r, http.StatusOK, "moderation", v, map[string]any{"Title": "Sign-ups", "Nav": "sign-ups", "SignUps": list,
		"Notice": r.URL.Query().Get("done")})
}

// decideSignUp approves or rejects an account waiting for approval.
func (ws *Workspace) decideSignUp(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.staff(w, r, true)
	if !ok {
		return
	}
	decision := chi.URLParam(r, "decision")
	if decision != activitypub.ActionApprove && decision != activitypub.ActionReject {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	target, err := ws.p.DB.AccountByID(r.Context(), id)
	if err == nil {
		err = ws.p.Engine.ModerateAccount(r.Context(), activitypub.Moderator{AccountID: &v.Account.ID}, target,
			activitypub.AccountAction{Type: decision, Text: strings.TrimSpace(r.PostFormValue("text"))})
	}
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/sign-ups?done=@"+target.Username+"+"+decision+"d.", http.StatusSeeOther)
}

func (ws *Workspace) moderationFailed(w http.ResponseWriter, r *http.Request, err error) {
	if msg, status, ok := userMessage(err); ok {
		render.Error(w, r, status, msg)
		return
	}
	ws.fail(w, r, err)
}
