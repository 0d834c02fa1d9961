package pages

import (
	"net/http"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/mail"
	"github.com/kontor-social/kontor/web/render"
)

// The email settings page: which notice emails (package mail's kinds) a
// signed-in user gets. It shares the brand pages' session and CSRF
// plumbing:
//
//	GET  /settings/email   one checkbox per kind (field email_<kind>), checked: send it
//	POST /settings/email   save them

// emailKind is a kind of email on the page.
type emailKind struct {
	mail.Kind
	Field string
	On    bool
}

func (b *BrandPages) emailKinds(u *db.User) []emailKind {
	var out []emailKind
	for _, k := range mail.Kinds {
		if k.Admin && u.Role != db.RoleAdmin {
			continue
		}
		out = append(out, emailKind{Kind: k, Field: "email_" + k.Name, On: !u.EmailTurnedOff(k.Name)})
	}
	return out
}

// emailSettings is GET /settings/email.
func (b *BrandPages) emailSettings(w http.ResponseWriter, r *http.Request) {
	u, ok := b.user(w, r)
	if !ok {
		return
	}
	b.page(w, r, http.StatusOK, "email", map[string]any{"User": u, "Kinds": b.emailKinds(u),
		"MailOn": b.p.Config.SMTPEnabled(), "Saved": r.URL.Query().Get("saved") != ""})
}

// saveEmailSettings is POST /settings/email: an unchecked kind is turned off.
func (b *BrandPages) saveEmailSettings(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !b.check(r) {
		render.Error(w, r, http.StatusForbidden, "The form expired or came from another site; go back, reload the page and try again.")
		return
	}
	u, ok := b.user(w, r)
	if !ok {
		return
	}
	var off []string
	for _, k := range mail.Kinds {
		shown := !k.Admin || u.Role == db.RoleAdmin
		if shown && r.PostFormValue("email_"+k.Name) != "on" || !shown && u.EmailTurnedOff(k.Name) {
			off = append(off, k.Name)
		}
	}
	if err := b.p.DB.SetEmailOff(r.Context(), u.ID, off); err != nil {
		b.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/email?saved=1", http.StatusSeeOther)
}
