package pages

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// about serves /about: the instance's description, rules, contact, privacy
// policy and terms, from the same settings as the instance API.
func (p *Pages) about(w http.ResponseWriter, r *http.Request) {
	c := p.Config
	data := map[string]any{
		"Description":   render.Paragraphs(c.InstanceDescription),
		"Rules":         c.Rules,
		"ContactEmail":  c.ContactEmail,
		"PrivacyPolicy": render.Paragraphs(c.PrivacyPolicyText()),
		"Domain":        p.Engine.URLs().AccountDomain(),
	}
	if strings.TrimSpace(c.TermsOfService) != "" {
		data["TermsOfService"] = render.Paragraphs(c.TermsOfService)
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
