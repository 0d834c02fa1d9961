package pages

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// about serves /about: the instance's description, rules, contact, privacy
// policy and terms, from the same settings as the instance API
// (db.InstanceTexts; the policies were rendered when saved).
func (p *Pages) about(w http.ResponseWriter, r *http.Request) {
	texts, err := p.DB.InstanceTexts(r.Context())
	if err != nil {
		p.Logger.Error("about page", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	data := map[string]any{
		"Description":   render.Paragraphs(texts.Description),
		"Rules":         texts.Rules,
		"ContactEmail":  texts.ContactEmail,
		"PrivacyPolicy": template.HTML(texts.PrivacyPolicyHTML), // sanitized when saved (render.Markdown)
		"Domain":        p.Engine.URLs().AccountDomain(),
	}
	if texts.TermsOfServiceHTML != "" {
		data["TermsOfService"] = template.HTML(texts.TermsOfServiceHTML)
	}
	admin, err := p.DB.ContactAccount(r.Context())
	switch {
	case err == nil:
		data["Contact"], data["ContactURL"] = admin, p.Engine.URLs().Profile(admin.Username)
	case !errors.Is(err, db.ErrNotFound):
		p.Logger.Error("about page", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	p.render(w, r, "about", data)
}
