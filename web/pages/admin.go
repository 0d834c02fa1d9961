package pages

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/render"
)

// The administration pages (/admin and its sections) for admins and
// moderators. They read through the db queries of the admin API and act
// through the same engine calls (Engine.ModerateAccount, ChangeReport,
// BlockDomain …) or, where the API holds the step, through AdminAPI
// (web/api/pages_bridge.go), so the audit log and federation are the same
// whichever door an admin uses.

// AdminAPI is what the admin pages borrow from the API handlers.
type AdminAPI interface {
	// ModerateAccount is POST /api/v1/admin/accounts/:id/action and the
	// ways back (approve, unsuspend …): the engine's action, and the streams
	// of a suspended or disabled person end at once.
	ModerateAccount(ctx context.Context, by activitypub.Moderator, target *db.Account, act activitypub.AccountAction) error
	// BlockEmailDomain and UnblockEmailDomain are POST and DELETE of
	// /api/v1/admin/email_domain_blocks.
	BlockEmailDomain(ctx context.Context, by activitypub.Moderator, domain string) (*db.EmailDomainBlock, error)
	UnblockEmailDomain(ctx context.Context, by activitypub.Moderator, id int64) error
	// BlockIPs and UnblockIPs are POST and DELETE of /api/v1/admin/ip_blocks
	// (expiresIn in seconds, 0: never).
	BlockIPs(ctx context.Context, by activitypub.Moderator, ip, severity, comment string, expiresIn int64) (*db.IPBlock, error)
	UnblockIPs(ctx context.Context, by activitypub.Moderator, id int64) error
}

// adminSection is a part of the administration pages and the permission
// it needs (scopes.RolePermissions); adminOnly sections need the admin role.
type adminSection struct {
	Key, URL, Label string
	perm            int64
	adminOnly       bool
}

// adminSections are the section menu, in order. Emoji and instance settings
// are pages of their own files (admin_emoji.go, admin_settings.go).
var adminSections = []adminSection{
	{Key: "overview", URL: "/admin", Label: "Overview", perm: scopes.PermViewDashboard},
	{Key: "reports", URL: "/admin/reports", Label: "Reports", perm: scopes.PermManageReports},
	{Key: "sign-ups", URL: "/admin/sign-ups", Label: "Sign-ups", perm: scopes.PermManageUsers},
	{Key: "accounts", URL: "/admin/accounts", Label: "Accounts", perm: scopes.PermManageUsers},
	{Key: "domain-blocks", URL: "/admin/domain-blocks", Label: "Domain blocks", perm: scopes.PermManageFederation},
	{Key: "domain-allows", URL: "/admin/domain-allows", Label: "Domain allows", perm: scopes.PermManageFederation},
	{Key: "email-domain-blocks", URL: "/admin/email-domain-blocks", Label: "Email domain blocks", perm: scopes.PermManageBlocks},
	{Key: "ip-blocks", URL: "/admin/ip-blocks", Label: "IP blocks", perm: scopes.PermManageBlocks},
	{Key: "emoji", URL: "/admin/emoji", Label: "Custom emoji", adminOnly: true},
	{Key: "settings", URL: "/admin/settings", Label: "Instance settings", adminOnly: true},
	{Key: "audit", URL: "/admin/audit", Label: "Audit log", perm: scopes.PermViewAuditLog},
}

// may reports whether a user of role may open the section.
func (s adminSection) may(role string) bool {
	if s.adminOnly {
		return role == db.RoleAdmin
	}
	return s.perm != 0 && scopes.RolePermissions(role)&s.perm == s.perm
}

func isStaff(u *db.User) bool { return u.Role == db.RoleAdmin || u.Role == db.RoleModerator }

// administrationLink is the one entry of the navigation bar for staff.
var administrationLink = []navLink{{"/admin", "Administration"}}

// adminMenu is the section menu as a page shows it.
type adminMenu struct {
	Current  string
	Sections []adminSection
}

// adminPage returns the viewer of a section's page (form: a POST, CSRF
// checked first) and the data every admin page has; people who may not
// open the section get a readable 403 page.
func (ws *Workspace) adminPage(w http.ResponseWriter, r *http.Request, section string, form bool) (*viewer, map[string]any, bool) {
	view := ws.viewer
	if form {
		view = ws.formViewer
	}
	v, ok := view(w, r)
	if !ok {
		return nil, nil, false
	}
	menu := adminMenu{Current: section}
	allowed := false
	for _, s := range adminSections {
		if s.may(v.User.Role) {
			menu.Sections = append(menu.Sections, s)
			allowed = allowed || s.Key == section
		}
	}
	if !allowed {
		msg := "Only admins and moderators may see this page."
		if isStaff(v.User) {
			msg = "This part of the administration is for admins only."
		}
		render.Error(w, r, http.StatusForbidden, msg)
		return nil, nil, false
	}
	return v, map[string]any{"Nav": "admin", "Menu": menu, "Notice": r.URL.Query().Get("done")}, true
}

// adminPageNames are the templates of the administration pages.
var adminPageNames = []string{"moderation", "admin", "admin_accounts", "admin_account", "admin_domains", "admin_blocks", "admin_audit",
	"admin_emoji", "admin_settings"}

// parseAdminPages parses the administration pages with the parts they
// share (admin_menu.html: the section menu, the chart, a report, an
// account's flags).
func (ws *Workspace) parseAdminPages() {
	for _, name := range adminPageNames {
		files := []string{"templates/app.html", "templates/ws_post.html", "templates/compose.html", "templates/admin_menu.html",
			"templates/" + name + ".html"}
		ws.pages[name] = render.LazyTemplate(func() (*template.Template, error) {
			return template.New(name).Funcs(workspaceFuncs).ParseFS(templateFiles, files...)
		})
	}
}

// adminRoutes mounts the administration pages.
func (ws *Workspace) adminRoutes(r chi.Router) {
	r.Get("/admin", ws.adminOverview)
	r.Get("/admin/reports", ws.reports)
	r.Post("/admin/reports/{id}/{change}", ws.changeReport)
	r.Get("/admin/sign-ups", ws.signUps)
	r.Get("/admin/accounts", ws.adminAccounts)
	r.Get("/admin/accounts/{id}", ws.adminAccount)
	r.Post("/admin/accounts/{id}/{decision}", ws.moderateAccount)
	ws.adminBlockRoutes(r)
	r.Get("/admin/audit", ws.adminAudit)
}

// overviewDays is how far back the overview's charts reach.
const overviewDays = 30

// measureView is a measure of the overview: its chart and total.
type measureView struct {
	Key, Label string
	Total      int64
	Chart      lineChart
}

// overviewMeasures are the measures charted, with what one of each is called.
var overviewMeasures = []struct{ key, label, one, many string }{
	{"new_users", "New users", "new user", "new users"},
	{"active_users", "Active users", "active user", "active users"},
	{"interactions", "Interactions", "interaction", "interactions"},
	{"opened_reports", "Reports opened", "report", "reports"},
	{"resolved_reports", "Reports resolved", "report", "reports"},
}

// adminOverview is /admin: the queues waiting for staff, the last 30
// days' measures as charts (the admin API's measures) and the delivery
// queues' health.
func (ws *Workspace) adminOverview(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "overview", false)
	if !ok {
		return
	}
	ctx := r.Context()
	queues, err := ws.p.DB.AdminQueueCounts(ctx)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	health, err := ws.p.DB.QueueStats(ctx)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	end := time.Now().UTC()
	start := end.AddDate(0, 0, -(overviewDays - 1))
	first, last := start.Format(analytics.DayLayout), end.Format(analytics.DayLayout)
	var measures []measureView
	for _, m := range overviewMeasures {
		days, total, err := ws.p.DB.AdminMeasure(ctx, m.key, start, end)
		if err != nil {
			ws.fail(w, r, err)
			return
		}
		points := make([]dayPoint, len(days))
		for i, d := range days {
			points[i] = dayPoint{Day: d.Date.Format(analytics.DayLayout), Value: d.Value}
		}
		measures = append(measures, measureView{Key: m.key, Label: m.label, Total: total,
			Chart: dayLineChart(points, first, last, true, m.one, m.many)})
	}
	data["Title"], data["Queues"], data["Health"], data["Measures"] = "Administration", queues, health, measures
	data["Since"], data["Until"] = first, last
	ws.render(w, r, http.StatusOK, "admin", v, data)
}

// adminBack is where a form asks to go after it is done: a path of the
// administration pages, else fallback.
func adminBack(r *http.Request, fallback string) string {
	back := r.PostFormValue("back")
	if strings.HasPrefix(back, "/admin") && !strings.HasPrefix(back, "//") && !strings.ContainsAny(back, "\\\r\n") {
		return back
	}
	return fallback
}

// done redirects to path with a success notice (in place of an earlier one).
func done(w http.ResponseWriter, r *http.Request, path, notice string) {
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: "/admin"}
	}
	q := u.Query()
	q.Set("done", notice)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
