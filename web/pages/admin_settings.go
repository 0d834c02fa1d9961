package pages

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// /admin/settings: the instance's texts and sign-up mode (db.InstanceTexts),
// for admins only. A save replaces them and the rules as listed, writes the
// audit log in the same transaction, and shows at once everywhere they are
// read (the store's caches hear of the write, other processes too).

// Limits of the settings form.
const (
	maxSettingsRules   = 100
	maxRuleChars       = 1000
	maxDescriptionChar = 5000
	maxPolicyChars     = 100_000
	maxReasonChars     = 500
)

// settingsRule is a row of the rules list as the form shows it.
type settingsRule struct {
	ID       string // "" for the new row
	Text     string
	Hint     string
	Position string
	Remove   bool
}

// settingsForm is the settings form, as stored or as sent back.
type settingsForm struct {
	Description, ContactUsername, ContactEmail string
	PrivacyPolicy, TermsOfService              string
	Registrations                              string
	Rules                                      []settingsRule
	Reason                                     string
	Errors                                     []string
	Saved                                      bool
}

// registrationModes are the choices of the form, with their labels.
var registrationModes = [][2]string{
	{config.RegistrationsOpen, "Open: anyone may sign up"},
	{config.RegistrationsApproval, "Approval: an admin approves each sign-up"},
	{config.RegistrationsInvite, "Invite: only with an invitation"},
	{config.RegistrationsClosed, "Closed: nobody may sign up"},
}

// adminSettingsViewer is the signed-in admin (the settings section's
// rule: moderators and others get a 403 page).
func (ws *Workspace) adminSettingsViewer(w http.ResponseWriter, r *http.Request, form bool) (*viewer, bool) {
	v, _, ok := ws.adminPage(w, r, "settings", form)
	return v, ok
}

// adminSettings is GET /admin/settings.
func (ws *Workspace) adminSettings(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.adminSettingsViewer(w, r, false)
	if !ok {
		return
	}
	texts, err := ws.p.DB.InstanceTexts(r.Context())
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	f := settingsForm{Description: texts.Description, ContactUsername: texts.ContactUsername, ContactEmail: texts.ContactEmail,
		PrivacyPolicy: texts.PrivacyPolicy, TermsOfService: texts.TermsOfService, Registrations: texts.Registrations,
		Saved: r.URL.Query().Get("saved") != ""}
	for i, rule := range texts.Rules {
		f.Rules = append(f.Rules, settingsRule{ID: strconv.FormatInt(rule.ID, 10), Text: rule.Text, Hint: rule.Hint,
			Position: strconv.Itoa(i + 1)})
	}
	ws.showSettings(w, r, v, http.StatusOK, f)
}

func (ws *Workspace) showSettings(w http.ResponseWriter, r *http.Request, v *viewer, status int, f settingsForm) {
	f.Rules = append(f.Rules, settingsRule{Position: strconv.Itoa(len(f.Rules) + 1)}) // the row for a new rule
	_, data, _ := ws.adminPage(w, r, "settings", false)                               // the section menu; v is an admin already
	data["Title"], data["Form"], data["Modes"] = "Instance settings", f, registrationModes
	ws.render(w, r, status, "admin_settings", v, data)
}

// saveAdminSettings is POST /admin/settings.
func (ws *Workspace) saveAdminSettings(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.adminSettingsViewer(w, r, true)
	if !ok {
		return
	}
	f := readSettingsForm(r.PostForm)
	texts, rules := ws.checkSettings(r, &f)
	if len(f.Errors) > 0 {
		ws.showSettings(w, r, v, http.StatusUnprocessableEntity, f)
		return
	}
	old, err := ws.p.DB.InstanceTexts(r.Context())
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	render.RenderPolicies(&texts, ws.p.Config.InstanceTitle)
	audit := &db.AdminAction{AccountID: &v.Account.ID, Action: "update", TargetType: "InstanceSettings", TargetID: 1,
		TargetLabel: "instance settings", Text: settingsChange(old, texts, rules, f.Reason)}
	if err := ws.p.DB.SaveInstanceTexts(r.Context(), texts, rules, audit); err != nil {
		ws.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/settings?saved=1", http.StatusSeeOther)
}

// readSettingsForm reads the posted form; rules come as rules[i][id],
// [text], [hint], [position] and [remove].
func readSettingsForm(form url.Values) settingsForm {
	f := settingsForm{Description: strings.TrimSpace(form.Get("description")),
		ContactUsername: strings.TrimPrefix(strings.TrimSpace(form.Get("contact_username")), "@"),
		ContactEmail:    strings.TrimSpace(form.Get("contact_email")),
		PrivacyPolicy:   strings.TrimSpace(form.Get("privacy_policy")), TermsOfService: strings.TrimSpace(form.Get("terms_of_service")),
		Registrations: form.Get("registrations"), Reason: strings.TrimSpace(form.Get("reason"))}
	for i := range maxSettingsRules + 1 {
		key := func(part string) string { return "rules[" + strconv.Itoa(i) + "][" + part + "]" }
		if _, ok := form[key("text")]; !ok {
			break
		}
		f.Rules = append(f.Rules, settingsRule{ID: form.Get(key("id")), Text: strings.TrimSpace(form.Get(key("text"))),
			Hint: strings.TrimSpace(form.Get(key("hint"))), Position: strings.TrimSpace(form.Get(key("position"))),
			Remove: form.Get(key("remove")) != ""})
	}
	return f
}

// checkSettings validates f (adding readable errors to it) and returns
// what to store: the texts, and the rules kept, ordered by position (ties
// keep the form's order). The rows the form sends back drop the blank new
// row and the removed ones.
func (ws *Workspace) checkSettings(r *http.Request, f *settingsForm) (db.SiteText, []db.SiteRule) {
	fail := func(format string, args ...any) { f.Errors = append(f.Errors, fmt.Sprintf(format, args...)) }
	if !slices.ContainsFunc(registrationModes, func(m [2]string) bool { return m[0] == f.Registrations }) {
		fail("Choose how people sign up from the list.")
		f.Registrations = config.RegistrationsClosed
	}
	if f.ContactEmail != "" && (activitypub.ValidateEmail(f.ContactEmail) != nil || strings.ContainsAny(f.ContactEmail, " <>")) {
		fail("The contact email %q is not an email address.", f.ContactEmail)
	}
	if f.ContactUsername != "" {
		a, err := ws.p.DB.LocalAccount(r.Context(), f.ContactUsername)
		switch {
		case errors.Is(err, db.ErrNotFound):
			fail("There is no local account @%s to be the contact.", f.ContactUsername)
		case err != nil:
			fail("The contact account could not be checked; try again.")
			ws.p.Logger.Error("admin settings: contact", "err", err)
		case a.Suspended():
			fail("@%s is suspended and cannot be the contact.", a.Username)
		default:
			f.ContactUsername = a.Username
		}
	}
	for name, n := range map[string]struct{ len, max int }{
		"description": {utf8.RuneCountInString(f.Description), maxDescriptionChar}, "privacy policy": {utf8.RuneCountInString(f.PrivacyPolicy), maxPolicyChars},
		"terms of service": {utf8.RuneCountInString(f.TermsOfService), maxPolicyChars}, "reason": {utf8.RuneCountInString(f.Reason), maxReasonChars}} {
		if n.len > n.max {
			fail("The %s is too long (at most %d characters).", name, n.max)
		}
	}
	type placed struct {
		rule db.SiteRule
		pos  int
	}
	var kept []placed
	var rows []settingsRule
	for i, row := range f.Rules {
		if row.Remove || (row.ID == "" && row.Text == "" && row.Hint == "") {
			continue
		}
		rows = append(rows, row)
		var rule db.SiteRule
		if row.ID != "" {
			id, err := strconv.ParseInt(row.ID, 10, 64)
			if err != nil || id <= 0 {
				fail("Rule %d has an unknown id; reload the page.", i+1)
				continue
			}
			rule.ID = id
		}
		pos := i + 1
		if row.Position != "" {
			p, err := strconv.Atoi(row.Position)
			if err != nil {
				fail("The position of rule %d must be a whole number.", i+1)
				continue
			}
			pos = p
		}
		switch {
		case row.Text == "":
			fail("Rule %d has no text: write it, or tick Remove.", i+1)
		case utf8.RuneCountInString(row.Text) > maxRuleChars || utf8.RuneCountInString(row.Hint) > maxRuleChars:
			fail("Rule %d is too long (at most %d characters each for the rule and its hint).", i+1, maxRuleChars)
		}
		rule.Text, rule.Hint = row.Text, row.Hint
		kept = append(kept, placed{rule, pos})
	}
	if len(kept) > maxSettingsRules {
		fail("At most %d rules.", maxSettingsRules)
	}
	slices.SortStableFunc(kept, func(a, b placed) int { return cmp.Compare(a.pos, b.pos) })
	rules := make([]db.SiteRule, len(kept))
	for i, k := range kept {
		rules[i] = k.rule
	}
	f.Rules = rows
	return db.SiteText{Description: f.Description, ContactUsername: f.ContactUsername, ContactEmail: f.ContactEmail,
		PrivacyPolicy: f.PrivacyPolicy, TermsOfService: f.TermsOfService, Registrations: f.Registrations}, rules
}

// settingsChange is the audit log's text: what changed, and why.
func settingsChange(old *db.InstanceTexts, t db.SiteText, rules []db.SiteRule, reason string) string {
	var changed []string
	for _, c := range []struct {
		name     string
		was, now string
	}{
		{"description", old.Description, t.Description}, {"contact account", old.ContactUsername, t.ContactUsername},
		{"contact email", old.ContactEmail, t.ContactEmail}, {"privacy policy", old.PrivacyPolicy, t.PrivacyPolicy},
		{"terms of service", old.TermsOfService, t.TermsOfService},
	} {
		if c.was != c.now {
			changed = append(changed, c.name)
		}
	}
	if old.Registrations != t.Registrations {
		changed = append(changed, "registrations "+old.Registrations+" → "+t.Registrations)
	}
	sameRules := len(old.Rules) == len(rules)
	for i := 0; sameRules && i < len(rules); i++ {
		sameRules = old.Rules[i].ID == rules[i].ID && old.Rules[i].Text == rules[i].Text && old.Rules[i].Hint == rules[i].Hint
	}
	if !sameRules {
		changed = append(changed, fmt.Sprintf("rules (%d)", len(rules)))
	}
	text := "changed: nothing"
	if len(changed) > 0 {
		text = "changed: " + strings.Join(changed, ", ")
	}
	if reason != "" {
		text += "; reason: " + reason
	}
	return text
}
