package pages

import (
	"errors"
	"net/http"
	"slices"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// profileForm is the profile settings form, as stored or as sent back.
type profileForm struct {
	DisplayName, Note    string
	Fields               []db.Field
	Locked, Discoverable bool
	Saved                bool
	Error                string
	AvatarURL, HeaderURL string
}

// profileFieldSlots is how many profile fields the form offers (Mastodon's 4).
const profileFieldSlots = 4

// settingsProfile is GET /settings/profile.
func (ws *Workspace) settingsProfile(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	a := v.Account
	// The form writes each field's source over its value: a copy, since
	// the account may be shared with the read caches.
	f := profileForm{DisplayName: a.DisplayName, Note: a.NoteSource, Fields: slices.Clone(a.Fields), Locked: a.Locked,
		Discoverable: a.Discoverable, Saved: r.URL.Query().Get("saved") != ""}
	ws.showProfileForm(w, r, v, http.StatusOK, f)
}

func (ws *Workspace) showProfileForm(w http.ResponseWriter, r *http.Request, v *viewer, status int, f profileForm) {
	shown := ws.present.Account(r.Context(), v.Account)
	f.AvatarURL, f.HeaderURL = shown.AvatarStatic, shown.HeaderStatic
	for i := range f.Fields {
		if f.Fields[i].Source != "" {
			f.Fields[i].Value = f.Fields[i].Source
		}
	}
	for len(f.Fields) < profileFieldSlots {
		f.Fields = append(f.Fields, db.Field{})
	}
	ws.render(w, r, status, "settings_profile", v, map[string]any{"Title": "Profile", "Nav": "settings", "Form": f})
}

// saveProfile is POST /settings/profile: the API's profile editor
// (Engine.UpdateProfile), so every limit and every federated Update is the
// same; an unticked box is false.
func (ws *Workspace) saveProfile(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(16 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		render.Error(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	v, ok := ws.formViewer(w, r)
	if !ok {
		return
	}
	form := r.PostForm
	if r.MultipartForm != nil {
		form = r.MultipartForm.Value
	}
	for _, box := range []string{"locked", "discoverable"} {
		form[box] = []string{boolString(form.Get(box) == "true")}
	}
	if ws.UpdateProfile == nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	if err := ws.UpdateProfile(r, v.User); err != nil {
		msg, status, ok := userMessage(err)
		if !ok {
			ws.fail(w, r, err)
			return
		}
		f := profileForm{DisplayName: form.Get("display_name"), Note: form.Get("note"), Locked: form.Get("locked") == "true",
			Discoverable: form.Get("discoverable") == "true", Error: msg}
		for i := range profileFieldSlots {
			f.Fields = append(f.Fields, db.Field{Name: form.Get(fieldKey(i, "name")), Value: form.Get(fieldKey(i, "value"))})
		}
		ws.showProfileForm(w, r, v, status, f)
		return
	}
	http.Redirect(w, r, "/settings/profile?saved=1", http.StatusSeeOther)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// fieldKey is the form name of a profile field's part, as the API reads it.
func fieldKey(i int, part string) string {
	return "fields_attributes[" + string(rune('0'+i)) + "][" + part + "]"
}
