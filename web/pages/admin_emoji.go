package pages

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/media/mediacache"
	"github.com/kontor-social/kontor/web/render"
)

// EmojiAdmin is /admin/emoji: the local custom emoji with their images, a
// form to upload one and a button to remove each; admins only. It adds and
// removes through the same engine calls as `kontor admin emoji`.
type EmojiAdmin struct {
	ws    *Workspace
	files media.Store
}

// EmojiAdmin returns the custom emoji page, which stores images in files.
func (ws *Workspace) EmojiAdmin(files media.Store) *EmojiAdmin {
	return &EmojiAdmin{ws: ws, files: files}
}

// Routes mounts the page and its forms.
func (ea *EmojiAdmin) Routes(r chi.Router) {
	r.Get("/admin/emoji", ea.list)
	r.Post("/admin/emoji", ea.add)
	r.Post("/admin/emoji/{shortcode}/remove", ea.remove)
}

// admin is the signed-in admin (the emoji section's rule: others get a 403
// page).
func (ea *EmojiAdmin) admin(w http.ResponseWriter, r *http.Request, form bool) (*viewer, bool) {
	v, _, ok := ea.ws.adminPage(w, r, "emoji", form)
	return v, ok
}

// emojiRow is a local emoji as the page lists it.
type emojiRow struct {
	Shortcode, Category, URL string
}

func (ea *EmojiAdmin) list(w http.ResponseWriter, r *http.Request) {
	v, ok := ea.admin(w, r, false)
	if !ok {
		return
	}
	ea.page(w, r, v, http.StatusOK, r.URL.Query().Get("done"), "", nil)
}

// page renders the list with a notice or an error (and the form's values
// back after an error).
func (ea *EmojiAdmin) page(w http.ResponseWriter, r *http.Request, v *viewer, status int, notice, problem string, form url.Values) {
	list, err := ea.ws.p.DB.LocalEmojis(r.Context(), true)
	if err != nil {
		ea.ws.fail(w, r, err)
		return
	}
	rows := make([]emojiRow, 0, len(list))
	for _, em := range list {
		u, _ := ea.ws.p.Engine.EmojiImageURL(em)
		rows = append(rows, emojiRow{Shortcode: em.Shortcode, Category: em.Category, URL: u})
	}
	_, data, _ := ea.ws.adminPage(w, r, "emoji", false) // the section menu; v is an admin already
	data["Title"], data["Emoji"], data["Notice"], data["Error"] = "Custom emoji", rows, notice, problem
	data["Form"], data["MaxKB"] = form, mediacache.MaxEmojiBytes/1024
	ea.ws.render(w, r, status, "admin_emoji", v, data)
}

// add is POST /admin/emoji (multipart: shortcode, category, file).
func (ea *EmojiAdmin) add(w http.ResponseWriter, r *http.Request) {
	// Files somewhat over the limit still reach AddLocalEmoji, which says
	// why it refuses them on the page; far bigger ones end here.
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	var tooBig *http.MaxBytesError
	if err := r.ParseMultipartForm(1 << 20); errors.As(err, &tooBig) {
		render.Error(w, r, http.StatusRequestEntityTooLarge, "The file is too big: an emoji may have at most 256 KB.")
		return
	}
	v, ok := ea.admin(w, r, true)
	if !ok {
		return
	}
	form := url.Values{"shortcode": {r.PostFormValue("shortcode")}, "category": {r.PostFormValue("category")}}
	f, _, err := r.FormFile("file")
	if err != nil {
		ea.page(w, r, v, http.StatusUnprocessableEntity, "", "Choose an image file (PNG, GIF or WebP) to upload.", form)
		return
	}
	defer f.Close()
	em, err := ea.ws.p.Engine.AddLocalEmoji(r.Context(), ea.files, activitypub.LocalEmoji{
		Shortcode: form.Get("shortcode"), Category: form.Get("category"), Image: f})
	if err != nil {
		if msg, status, ok := userMessage(err); ok {
			ea.page(w, r, v, status, "", capitalize(msg)+".", form)
			return
		}
		ea.ws.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/emoji?done="+url.QueryEscape(":"+em.Shortcode+": added."), http.StatusSeeOther)
}

// remove is POST /admin/emoji/{shortcode}/remove.
func (ea *EmojiAdmin) remove(w http.ResponseWriter, r *http.Request) {
	if _, ok := ea.admin(w, r, true); !ok {
		return
	}
	code := chi.URLParam(r, "shortcode")
	err := ea.ws.p.Engine.RemoveLocalEmoji(r.Context(), ea.files, code)
	if errors.Is(err, activitypub.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "There is no custom emoji :"+code+":.")
		return
	}
	if err != nil {
		ea.ws.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/emoji?done="+url.QueryEscape(":"+code+": removed."), http.StatusSeeOther)
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
