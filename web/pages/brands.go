package pages

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/brands"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
	"github.com/kontor-social/kontor/web/oauth"
	"github.com/kontor-social/kontor/web/render"
)

// BrandPages are the settings pages of brand accounts, for their members,
// signed in with the session of the sign-in page (web/oauth):
//
//	GET  /settings/brands                     the brands I belong to, my drafts
//	GET  /settings/brands/{username}          members, approval switch, drafts, audit trail, invites
//	POST /settings/brands/{username}/...      the forms of that page (CSRF-checked)
//
// Every rule comes from package brands; changes made here are recorded in
// the brand's audit trail like those made through the API.
type BrandPages struct {
	p       *Pages
	svc     *brands.Service
	session func(*http.Request) (*db.User, error)
	csrf    func(http.ResponseWriter, *http.Request) string
	check   func(*http.Request) bool
	invites *signup.Service
	// UpdateProfile is the API's profile editor for a brand (avatar and
	// header included), set by the wiring; without it the page saves the
	// texts only.
	UpdateProfile func(r *http.Request, brand *db.Account, member *db.User) error
}

// Brands returns the brand settings pages; auth gives the signed-in user
// and the CSRF check of the web/oauth pages, invites makes invite links.
func (p *Pages) Brands(svc *brands.Service, auth *oauth.Handlers) *BrandPages {
	funcs := template.FuncMap{"when": when}
	for _, name := range []string{"brands", "brand", "draft", "email"} {
		p.pages[name] = render.LazyTemplate(func() (*template.Template, error) {
			return template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		})
	}
	return &BrandPages{p: p, svc: svc, session: auth.SessionUser, csrf: auth.CSRFToken, check: auth.CheckCSRF, invites: auth.Signup()}
}

// when is a time as the pages show it (a nil *time.Time is "").
func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2 Jan 2006 15:04 UTC")
	case *time.Time:
		if v != nil {
			return when(*v)
		}
	}
	return ""
}

// Routes mounts the pages and their forms.
func (b *BrandPages) Routes(r chi.Router) {
	r.Get("/settings/brands", b.list)
	r.Get("/settings/brands/{username}", b.show)
	r.Get("/settings/brands/{username}/drafts/{number}", b.showDraft)
	r.Post("/settings/brands/{username}/approval", b.form(b.setApproval))
	r.Post("/settings/brands/{username}/profile", b.form(b.setProfile))
	r.Post("/settings/brands/{username}/members", b.form(b.addMember))
	r.Post("/settings/brands/{username}/members/{user_id}/role", b.form(b.setRole))
	r.Post("/settings/brands/{username}/members/{user_id}/remove", b.form(b.removeMember))
	r.Post("/settings/brands/{username}/drafts/{id}/approve", b.form(b.approve))
	r.Post("/settings/brands/{username}/drafts/{id}/reject", b.form(b.reject))
	r.Post("/settings/brands/{username}/invites", b.form(b.invite))
	r.Get("/settings/email", b.emailSettings)
	r.Post("/settings/email", b.saveEmailSettings)
}

// page renders a settings page with a status.
func (b *BrandPages) page(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	data["Instance"] = b.p.Config.InstanceTitle
	data["CSRF"] = b.csrf(w, r)
	data["CSRFField"] = oauth.CSRFField
	if u, err := b.session(r); err == nil {
		data["SignedInAs"] = signedInAs(u)
	}
	var buf bytes.Buffer
	if err := b.p.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		b.fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", render.HTMLType)
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (b *BrandPages) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	b.p.Logger.Error("brand settings", "path", r.URL.Path, "err", err)
	render.Error(w, r, http.StatusInternalServerError, "Internal server error")
}

// user is the signed-in user; visitors are sent to sign in and back.
func (b *BrandPages) user(w http.ResponseWriter, r *http.Request) (*db.User, bool) {
	u, err := b.session(r)
	if err != nil {
		b.fail(w, r, err)
		return nil, false
	}
	if u == nil {
		back := r.URL.Path
		if r.Method != http.MethodGet {
			back = "/settings/brands/" + url.PathEscape(chi.URLParam(r, "username"))
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, oauth.SignInURL(back), http.StatusSeeOther)
		return nil, false
	}
	return u, true
}

// draftView is a draft as the pages show it.
type draftView struct {
	*db.BrandDraft
	Brand   string
	Author  string
	Decider string
	Params  db.ScheduledParams
}

func (b *BrandPages) draftViews(r *http.Request, list []*db.BrandDraft) []draftView {
	out := make([]draftView, 0, len(list))
	for _, dr := range list {
		v := draftView{BrandDraft: dr, Author: "a former member"}
		if dr.Author != nil && dr.Author.Account != nil {
			v.Author = "@" + dr.Author.Account.Username
		}
		if dr.DecidedBy != nil && dr.DecidedBy.Account != nil {
			v.Decider = "@" + dr.DecidedBy.Account.Username
		}
		if a, err := b.p.DB.AccountByID(r.Context(), dr.BrandAccountID); err == nil {
			v.Brand = a.Username
		}
		v.Params, _ = brands.DraftParams(dr)
		out = append(out, v)
	}
	return out
}

// list is GET /settings/brands.
func (b *BrandPages) list(w http.ResponseWriter, r *http.Request) {
	u, ok := b.user(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	mine, err := b.svc.AllBrands(ctx, u) // an admin's list has every brand
	if err != nil {
		b.fail(w, r, err)
		return
	}
	drafts, err := b.svc.MyDrafts(ctx, u, "", db.Page{Limit: 40})
	if err != nil {
		b.fail(w, r, err)
		return
	}
	b.page(w, r, http.StatusOK, "brands", map[string]any{"User": u, "Brands": mine, "Drafts": b.draftViews(r, drafts)})
}

// open loads the brand of the URL for the signed-in user; strangers get 404.
func (b *BrandPages) open(w http.ResponseWriter, r *http.Request) (*brands.Access, bool) {
	u, ok := b.user(w, r)
	if !ok {
		return nil, false
	}
	acc, err := b.svc.OpenByUsername(r.Context(), u, chi.URLParam(r, "username"))
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	} else if err != nil {
		b.fail(w, r, err)
		return nil, false
	}
	return acc, true
}

// show is GET /settings/brands/{username}.
func (b *BrandPages) show(w http.ResponseWriter, r *http.Request) {
	acc, ok := b.open(w, r)
	if !ok {
		return
	}
	b.showBrand(w, r, acc, http.StatusOK, map[string]any{"Notice": r.URL.Query().Get("notice")})
}

// fieldRow is one profile field of the profile form.
type fieldRow struct {
	Index       int
	Name, Value string
}

// fieldRows are the profile form's field inputs: the account's fields,
// then empty ones up to the limit.
func fieldRows(a *db.Account) []fieldRow {
	rows := make([]fieldRow, activitypub.MaxProfileFields)
	for i := range rows {
		rows[i].Index = i
		if i < len(a.Fields) {
			rows[i].Name, rows[i].Value = a.Fields[i].Name, a.Fields[i].Source
		}
	}
	return rows
}

// showDraft is GET /settings/brands/{username}/drafts/{number}: one draft,
// where the owners' notices link (owners decide here; its author sees it).
func (b *BrandPages) showDraft(w http.ResponseWriter, r *http.Request) {
	acc, ok := b.open(w, r)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(chi.URLParam(r, "number"), 10, 64)
	if err != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	dr, err := b.svc.DraftByNumber(r.Context(), acc, n)
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	} else if err != nil {
		b.fail(w, r, err)
		return
	}
	b.page(w, r, http.StatusOK, "draft", map[string]any{"Access": acc, "Brand": acc.Brand, "Draft": b.draftViews(r, []*db.BrandDraft{dr})[0]})
}

// showBrand renders the page of a brand with what acc may see.
func (b *BrandPages) showBrand(w http.ResponseWriter, r *http.Request, acc *brands.Access, status int, data map[string]any) {
	ctx := r.Context()
	data["Access"] = acc
	data["Brand"] = acc.Brand
	data["Handle"] = acc.Brand.Account.Username + "@" + b.p.Engine.URLs().AccountDomain()
	data["Roles"] = []string{db.BrandOwner, db.BrandEditor, db.BrandViewer}
	data["FieldRows"] = fieldRows(acc.Brand.Account)
	if acc.Member() || acc.Admin {
		members, err := b.svc.Members(ctx, acc)
		if err != nil {
			b.fail(w, r, err)
			return
		}
		data["Members"] = members
	}
	if acc.Member() {
		pending, err := b.svc.Drafts(ctx, acc, db.DraftPending, db.Page{Limit: 80})
		if err != nil {
			b.fail(w, r, err)
			return
		}
		data["Pending"] = b.draftViews(r, pending)
		if !acc.Owner() {
			mine, err := b.svc.Drafts(ctx, acc, "", db.Page{Limit: 40})
			if err != nil {
				b.fail(w, r, err)
				return
			}
			data["Mine"] = b.draftViews(r, mine)
		}
	}
	if acc.Owner() || acc.Admin {
		log, err := b.svc.AuditLog(ctx, acc, db.Page{Limit: 100})
		if err != nil {
			b.fail(w, r, err)
			return
		}
		data["Audit"] = log
	}
	b.page(w, r, status, "brand", data)
}

// form wraps a form POST of the brand page: CSRF check, the brand, then
// the action; a refused action shows the page with the reason, a done one
// redirects back to the page with a notice.
func (b *BrandPages) form(action func(r *http.Request, acc *brands.Access) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Multipart for the profile form's images; its fields join PostForm.
		if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) || !b.check(r) {
			render.Error(w, r, http.StatusForbidden, "The form expired or came from another site; go back, reload the page and try again.")
			return
		}
		acc, ok := b.open(w, r)
		if !ok {
			return
		}
		notice, err := action(r, acc)
		if err != nil {
			var f *brands.Forbidden
			var inv *brands.Invalid
			var inErr *activitypub.InputError
			var msg string
			status := http.StatusUnprocessableEntity
			switch {
			case errors.As(err, &f):
				status, msg = http.StatusForbidden, f.Msg
			case errors.As(err, &inv):
				msg = strings.TrimPrefix(inv.Msg, "Validation failed: ")
			case errors.Is(err, db.ErrNotFound):
				status, msg = http.StatusNotFound, "Not found."
			case errors.As(err, &inErr) && strings.HasSuffix(r.URL.Path, "/profile"):
				msg = inErr.Error()
			case errors.As(err, &inErr):
				msg = "The draft cannot be published: " + inErr.Field + " " + inErr.Msg
			default:
				var ok bool
				if msg, status, ok = userMessage(err); !ok {
					b.fail(w, r, err)
					return
				}
			}
			if !acc.Member() && !acc.Admin {
				render.Error(w, r, status, msg)
				return
			}
			b.showBrand(w, r, acc, status, map[string]any{"Error": msg})
			return
		}
		if strings.HasPrefix(notice, "invite:") {
			b.showBrand(w, r, acc, http.StatusOK, map[string]any{"Invite": strings.TrimPrefix(notice, "invite:"), "Notice": "Invite link created."})
			return
		}
		to := "/settings/brands/" + url.PathEscape(acc.Brand.Account.Username)
		if acc.Member() || acc.Admin {
			if notice != "" {
				to += "?" + url.Values{"notice": {notice}}.Encode()
			}
		} else {
			to = "/settings/brands"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

func (b *BrandPages) setApproval(r *http.Request, acc *brands.Access) (string, error) {
	on := r.PostFormValue("require_approval") == "on" || r.PostFormValue("require_approval") == "true"
	if err := b.svc.SetApproval(r.Context(), acc, on); err != nil {
		return "", err
	}
	if on {
		return "Posts by editors now wait for an owner's approval.", nil
	}
	return "Posts by editors are now published at once.", nil
}

// setProfile saves the brand's display name, bio, fields, avatar and header
// (owners and admins) through the API's profile editor.
func (b *BrandPages) setProfile(r *http.Request, acc *brands.Access) (string, error) {
	if b.UpdateProfile != nil {
		if !acc.Manages() {
			return "", &brands.Forbidden{Msg: "Only an owner of " + acc.Handle() + " can edit the profile."}
		}
		if err := b.UpdateProfile(r, acc.Brand.Account, acc.User); err != nil {
			return "", err
		}
		return "Profile saved; followers see the change.", nil
	}
	name, note := r.PostFormValue("display_name"), r.PostFormValue("note")
	fields := make([]activitypub.FieldInput, activitypub.MaxProfileFields)
	for i := range fields {
		fields[i] = activitypub.FieldInput{Name: r.PostFormValue(fmt.Sprintf("fields_attributes[%d][name]", i)),
			Value: r.PostFormValue(fmt.Sprintf("fields_attributes[%d][value]", i))}
	}
	err := b.svc.UpdateProfile(r.Context(), acc, activitypub.ProfileText{DisplayName: &name, Note: &note, Fields: &fields})
	if err != nil {
		return "", err
	}
	return "Profile saved; followers see the change.", nil
}

func (b *BrandPages) addMember(r *http.Request, acc *brands.Access) (string, error) {
	m, err := b.svc.AddMember(r.Context(), acc, r.PostFormValue("username"), r.PostFormValue("role"))
	if err != nil {
		return "", err
	}
	return "@" + m.User.Account.Username + " is now " + m.Role + ".", nil
}

func pathUserID(r *http.Request) (int64, error) {
	id, ok := db.ParseID(chi.URLParam(r, "user_id"))
	if !ok {
		return 0, db.ErrNotFound
	}
	return id, nil
}

func (b *BrandPages) setRole(r *http.Request, acc *brands.Access) (string, error) {
	id, err := pathUserID(r)
	if err != nil {
		return "", err
	}
	m, err := b.svc.SetRole(r.Context(), acc, id, r.PostFormValue("role"))
	if err != nil {
		return "", err
	}
	return "@" + m.User.Account.Username + " is now " + m.Role + ".", nil
}

func (b *BrandPages) removeMember(r *http.Request, acc *brands.Access) (string, error) {
	id, err := pathUserID(r)
	if err != nil {
		return "", err
	}
	if err := b.svc.RemoveMember(r.Context(), acc, id); err != nil {
		return "", err
	}
	if id == acc.User.ID {
		acc.Role = "" // they left: back to their list of brands
		return "", nil
	}
	return "Member removed; their apps acting as the brand stopped working.", nil
}

func draftID(r *http.Request) (int64, error) {
	id, ok := db.ParseID(chi.URLParam(r, "id"))
	if !ok {
		return 0, db.ErrNotFound
	}
	return id, nil
}

func (b *BrandPages) approve(r *http.Request, acc *brands.Access) (string, error) {
	id, err := draftID(r)
	if err != nil {
		return "", err
	}
	dr, err := b.svc.Draft(r.Context(), acc, id)
	if err != nil {
		return "", err
	}
	if _, err := b.svc.Approve(r.Context(), acc, id); err != nil {
		return "", err
	}
	done := map[string]string{db.DraftPost: "is published", db.DraftEdit: "is approved: the edit is live",
		db.DraftDelete: "is approved: the post is deleted", db.DraftBoost: "is approved: the post is boosted"}[dr.Verb]
	if dr.ScheduledAt != nil && dr.ScheduledAt.After(time.Now()) {
		done = "is approved: it will be published at " + when(dr.ScheduledAt)
	}
	return fmt.Sprintf("Draft #%d %s.", dr.Number, done), nil
}

func (b *BrandPages) reject(r *http.Request, acc *brands.Access) (string, error) {
	id, err := draftID(r)
	if err != nil {
		return "", err
	}
	dr, err := b.svc.Reject(r.Context(), acc, id, r.PostFormValue("note"))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Draft #%d went back to its author.", dr.Number), nil
}

// Limits of invite links made on the brand page.
const (
	maxInviteUses = 100
	maxInviteDays = 30
)

// invite makes an invite link to sign up (owners), so a new colleague can
// get an account and then be added.
func (b *BrandPages) invite(r *http.Request, acc *brands.Access) (string, error) {
	if !acc.Manages() {
		if !acc.Member() {
			return "", db.ErrNotFound
		}
		return "", &brands.Forbidden{Msg: "Only owners of " + acc.Handle() + " may create invite links"}
	}
	uses, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("max_uses")), 10, 64)
	if err != nil || uses < 1 || uses > maxInviteUses {
		return "", &brands.Invalid{Msg: "Validation failed: uses must be between 1 and 100"}
	}
	days, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("expires_in_days")), 10, 64)
	if err != nil || days < 1 || days > maxInviteDays {
		return "", &brands.Invalid{Msg: "Validation failed: the link must expire after 1 to 30 days"}
	}
	uid := acc.User.ID
	inv, err := b.invites.CreateInvite(r.Context(), &uid, uses, time.Duration(days)*24*time.Hour)
	if err != nil {
		return "", err
	}
	rec := &db.BrandAudit{BrandAccountID: acc.Brand.AccountID, UserID: &uid, Action: "invite.create",
		Detail: strconv.FormatInt(uses, 10) + " uses, " + strconv.FormatInt(days, 10) + " days"}
	if err := b.p.DB.RecordBrandAction(r.Context(), rec); err != nil {
		return "", err
	}
	return "invite:" + inv.URL, nil
}
