package pages

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// The federation and sign-up blocks of the administration (admins only):
// domain blocks and allows through the engine (Engine.BlockDomain …, as
// the admin API and `kontor admin domain`), email domain and IP blocks
// through AdminAPI (the API's steps, which also tell its IP gate).

// blocksPageSize is how many blocks a page lists.
const blocksPageSize = 100

func (ws *Workspace) adminBlockRoutes(r chi.Router) {
	r.Get("/admin/domain-blocks", ws.domainBlocks)
	r.Post("/admin/domain-blocks", ws.putDomainBlock)
	r.Post("/admin/domain-blocks/{id}", ws.putDomainBlock)
	r.Post("/admin/domain-blocks/{id}/delete", ws.deleteDomainBlock)
	r.Get("/admin/domain-allows", ws.domainAllows)
	r.Post("/admin/domain-allows", ws.addDomainAllow)
	r.Post("/admin/domain-allows/{id}/delete", ws.deleteDomainAllow)
	r.Get("/admin/email-domain-blocks", ws.emailDomainBlocks)
	r.Post("/admin/email-domain-blocks", ws.addEmailDomainBlock)
	r.Post("/admin/email-domain-blocks/{id}/delete", ws.deleteEmailDomainBlock)
	r.Get("/admin/ip-blocks", ws.ipBlocks)
	r.Post("/admin/ip-blocks", ws.addIPBlock)
	r.Post("/admin/ip-blocks/{id}/delete", ws.deleteIPBlock)
}

// pagedMore sets data's "More" link when a page of blocks is full.
func pagedMore(data map[string]any, path string, n int, lastID int64) {
	if n == blocksPageSize {
		data["More"] = path + "?max_id=" + db.FormatID(lastID)
	}
}

func blocksPage(r *http.Request) db.Page {
	p := readPage(r)
	p.Limit = blocksPageSize
	return p
}

// pathID reads the {id} of a form's path; false after a 404 page.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		render.Error(w, r, http.StatusNotFound, "Not found")
	}
	return id, ok
}

func moderatorOf(v *viewer) activitypub.Moderator {
	return activitypub.Moderator{AccountID: &v.Account.ID}
}

func (ws *Workspace) domainBlocks(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "domain-blocks", false)
	if !ok {
		return
	}
	list, err := ws.p.DB.AdminDomainBlocks(r.Context(), blocksPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	if len(list) > 0 {
		pagedMore(data, "/admin/domain-blocks", len(list), list[len(list)-1].ID)
	}
	data["Title"], data["DomainBlocks"], data["NewBlock"] = "Domain blocks", list, &db.DomainBlock{Severity: "silence"}
	ws.render(w, r, http.StatusOK, "admin_domains", v, data)
}

// putDomainBlock adds a block (POST /admin/domain-blocks: domain, severity,
// reject_media, reject_reports, private_comment, public_comment,
// obfuscate) or, with an id, changes one (all but the domain).
func (ws *Workspace) putDomainBlock(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "domain-blocks", true)
	if !ok {
		return
	}
	b := &db.DomainBlock{Domain: r.PostFormValue("domain")}
	create := chi.URLParam(r, "id") == ""
	if !create {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var err error
		if b, err = ws.p.DB.DomainBlockByID(r.Context(), id); err != nil {
			ws.moderationFailed(w, r, err)
			return
		}
	}
	b.Severity = r.PostFormValue("severity")
	b.Reason = strings.TrimSpace(r.PostFormValue("private_comment"))
	b.PublicComment = strings.TrimSpace(r.PostFormValue("public_comment"))
	// Checkboxes: absent is off.
	b.RejectMedia, b.RejectReports, b.Obfuscate = checked(r, "reject_media"), checked(r, "reject_reports"), checked(r, "obfuscate")
	if err := ws.p.Engine.BlockDomain(r.Context(), moderatorOf(v), b, create); err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	verb := map[bool]string{true: "blocked", false: "block changed"}[create]
	done(w, r, "/admin/domain-blocks", b.Domain+" "+verb+".")
}

// checked reads a checkbox of a form.
func checked(r *http.Request, name string) bool {
	switch r.PostFormValue(name) {
	case "1", "on", "true":
		return true
	}
	return false
}

func (ws *Workspace) deleteDomainBlock(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "domain-blocks", true)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	b, err := ws.p.DB.DomainBlockByID(r.Context(), id)
	if err == nil {
		err = ws.p.Engine.UnblockDomain(r.Context(), moderatorOf(v), b)
	}
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, "/admin/domain-blocks", b.Domain+" is no longer blocked.")
}

func (ws *Workspace) domainAllows(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "domain-allows", false)
	if !ok {
		return
	}
	list, err := ws.p.DB.DomainAllows(r.Context(), blocksPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	if len(list) > 0 {
		pagedMore(data, "/admin/domain-allows", len(list), list[len(list)-1].ID)
	}
	data["Title"], data["DomainAllows"], data["Allowlist"] = "Domain allows", list, ws.p.Config.FederationMode == "allowlist"
	ws.render(w, r, http.StatusOK, "admin_domains", v, data)
}

func (ws *Workspace) addDomainAllow(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "domain-allows", true)
	if !ok {
		return
	}
	a, err := ws.p.Engine.AllowDomain(r.Context(), moderatorOf(v), r.PostFormValue("domain"))
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, "/admin/domain-allows", a.Domain+" allowed.")
}

func (ws *Workspace) deleteDomainAllow(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "domain-allows", true)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := ws.p.DB.DomainAllowByID(r.Context(), id)
	if err == nil {
		err = ws.p.Engine.DisallowDomain(r.Context(), moderatorOf(v), a)
	}
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, "/admin/domain-allows", a.Domain+" is no longer allowed.")
}

func (ws *Workspace) emailDomainBlocks(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "email-domain-blocks", false)
	if !ok {
		return
	}
	list, err := ws.p.DB.EmailDomainBlocks(r.Context(), blocksPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	if len(list) > 0 {
		pagedMore(data, "/admin/email-domain-blocks", len(list), list[len(list)-1].ID)
	}
	data["Title"], data["EmailDomainBlocks"] = "Email domain blocks", list
	ws.render(w, r, http.StatusOK, "admin_blocks", v, data)
}

func (ws *Workspace) addEmailDomainBlock(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "email-domain-blocks", true)
	if !ok {
		return
	}
	b, err := ws.Admin.BlockEmailDomain(r.Context(), moderatorOf(v), r.PostFormValue("domain"))
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, "/admin/email-domain-blocks", "Sign-ups from "+b.Domain+" are blocked.")
}

func (ws *Workspace) deleteEmailDomainBlock(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "email-domain-blocks", true)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := ws.Admin.UnblockEmailDomain(r.Context(), moderatorOf(v), id); err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, "/admin/email-domain-blocks", "Email domain block removed.")
}

// ipExpiries are the choices of an IP block's expires_in (seconds; 0 never).
var ipExpiries = []struct {
	Seconds int64
	Label   string
}{{0, "never"}, {86400, "1 day"}, {14 * 86400, "2 weeks"}, {30 * 86400, "1 month"}, {182 * 86400, "6 months"}, {365 * 86400, "1 year"}}

func (ws *Workspace) ipBlocks(w http.ResponseWriter, r *http.Request) {
	v, data, ok := ws.adminPage(w, r, "ip-blocks", false)
	if !ok {
		return
	}
	list, err := ws.p.DB.IPBlocks(r.Context(), blocksPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	if len(list) > 0 {
		pagedMore(data, "/admin/ip-blocks", len(list), list[len(list)-1].ID)
	}
	data["Title"], data["IPBlocks"], data["Expiries"] = "IP blocks", list, ipExpiries
	data["Severities"] = []string{db.IPSignUpRequiresApproval, db.IPSignUpBlock, db.IPNoAccess}
	ws.render(w, r, http.StatusOK, "admin_blocks", v, data)
}

// addIPBlock adds an IP block: ip (an address or a CIDR range), severity,
// comment and expires_in (seconds).
func (ws *Workspace) addIPBlock(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "ip-blocks", true)
	if !ok {
		return
	}
	var expiresIn int64
	if s := strings.TrimSpace(r.PostFormValue("expires_in")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			render.Error(w, r, http.StatusUnprocessableEntity, "expires_in must be a number of seconds.")
			return
		}
		expiresIn = n
	}
	b, err := ws.Admin.BlockIPs(r.Context(), moderatorOf(v), r.PostFormValue("ip"), r.PostFormValue("severity"),
		strings.TrimSpace(r.PostFormValue("comment")), expiresIn)
	if err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, "/admin/ip-blocks", b.IP+" blocked ("+b.Severity+").")
}

func (ws *Workspace) deleteIPBlock(w http.ResponseWriter, r *http.Request) {
	v, _, ok := ws.adminPage(w, r, "ip-blocks", true)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := ws.Admin.UnblockIPs(r.Context(), moderatorOf(v), id); err != nil {
		ws.moderationFailed(w, r, err)
		return
	}
	done(w, r, "/admin/ip-blocks", "IP block removed.")
}
