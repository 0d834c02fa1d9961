package pages

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// auditPageSize is how many entries a page of the audit log shows.
const auditPageSize = 40

// adminAudit is /admin/audit: the audit log (who, what, target, when,
// why), newest first, the same rows as GET /api/v1/kontor/admin/audit;
// action and account (a local username) narrow it.
func (ws *Workspace) adminAudit(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "audit", false)
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	f := db.AdminActionFilter{Action: strings.TrimSpace(q.Get("action"))}
	if name := strings.TrimPrefix(strings.TrimSpace(q.Get("account")), "@"); name != "" {
		a, err := ws.p.DB.LocalAccount(ctx, name)
		if errors.Is(err, db.ErrNotFound) {
			render.Error(w, r, http.StatusNotFound, "There is no account @"+name+" on this server.")
			return
		} else if err != nil {
			ws.fail(w, r, err)
			return
		}
		f.AccountID = a.ID
	}
	page := readPage(r)
	page.Limit = auditPageSize
	list, err := ws.p.DB.AdminActions(ctx, f, page)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	if len(list) == auditPageSize {
		q.Set("max_id", db.FormatID(list[len(list)-1].ID))
		data["More"] = "/admin/audit?" + q.Encode()
	}
	data["Title"], data["Entries"], data["Action"], data["Account"] = "Audit log", list, f.Action, q.Get("account")
	ws.render(w, r, http.StatusOK, "admin_audit", v, data)
}
