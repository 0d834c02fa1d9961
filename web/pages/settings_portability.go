package pages

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/portability"
	"github.com/kontor-social/kontor/web/oauth"
	"github.com/kontor-social/kontor/web/render"
)

// PortabilityPages move a person's data in and out, signed in with the
// session of the sign-in page (web/oauth):
//
//	GET  /settings/export              download links, one per kind
//	GET  /settings/export/{file}       following_accounts.csv … (Mastodon's formats)
//	GET  /settings/import              the upload form (type, mode, file) and the imports' progress
//	POST /settings/import              queue an import (a background job)
//	GET  /settings/migration           aliases and moving the account away
//	POST /settings/migration/aliases   also_known_as_uris, one per line
//	POST /settings/migration/move      moved_to_uri, password
//	GET  /settings/archive             request the archive, download it when ready
//	POST /settings/archive             queue an archive
//	GET  /settings/archive/{id}        the archive's zip file
//
// Every change goes through package portability and the engine, as the
// CLI and the API do.
type PortabilityPages struct {
	p       *Pages
	files   media.Store
	session func(*http.Request) (*db.User, error)
	csrf    func(http.ResponseWriter, *http.Request) string
	check   func(*http.Request) bool
}

// maxImportFile bounds an uploaded CSV (20,000 rows fit many times over).
const maxImportFile = 4 << 20

// Portability returns the pages; auth gives the signed-in user and the
// CSRF check, files holds the finished archives.
func (p *Pages) Portability(auth *oauth.Handlers, files media.Store) *PortabilityPages {
	funcs := template.FuncMap{
		"when":    func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"summary": jobSummary,
	}
	p.pages["portability"] = render.LazyTemplate(func() (*template.Template, error) {
		return template.New("portability").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/portability.html")
	})
	return &PortabilityPages{p: p, files: files, session: auth.SessionUser, csrf: auth.CSRFToken, check: auth.CheckCSRF}
}

// Routes mounts the pages and their forms.
func (pp *PortabilityPages) Routes(r chi.Router) {
	r.Get("/settings/export", pp.exportPage)
	r.Get("/settings/export/{file}", pp.exportFile)
	r.Get("/settings/import", pp.importPage)
	r.Post("/settings/import", pp.importUpload)
	r.Get("/settings/migration", pp.migrationPage)
	r.Post("/settings/migration/aliases", pp.setAliases)
	r.Post("/settings/migration/move", pp.move)
	r.Get("/settings/archive", pp.archivePage)
	r.Post("/settings/archive", pp.requestArchive)
	r.Get("/settings/archive/{id}", pp.downloadArchive)
}

// page renders one of the pages with a status.
func (pp *PortabilityPages) page(w http.ResponseWriter, r *http.Request, status int, name string, u *db.User, data map[string]any) {
	data["Page"], data["User"] = name, u
	data["Instance"] = pp.p.Config.InstanceTitle
	data["CSRF"], data["CSRFField"] = pp.csrf(w, r), oauth.CSRFField
	var buf bytes.Buffer
	if err := pp.p.pages["portability"].ExecuteTemplate(&buf, "layout", data); err != nil {
		pp.fail(w, r, err)
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

func (pp *PortabilityPages) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	pp.p.Logger.Error("portability settings", "path", r.URL.Path, "err", err)
	render.Error(w, r, http.StatusInternalServerError, "Internal server error")
}

// user is the signed-in user; visitors are sent to sign in and back. A
// POST also needs a valid CSRF token.
func (pp *PortabilityPages) user(w http.ResponseWriter, r *http.Request) (*db.User, bool) {
	if r.Method == http.MethodPost && !pp.check(r) {
		render.Error(w, r, http.StatusForbidden, "The form expired or came from another site; go back, reload the page and try again.")
		return nil, false
	}
	u, err := pp.session(r)
	if err != nil {
		pp.fail(w, r, err)
		return nil, false
	}
	if u == nil || u.Account == nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, oauth.SignInURL(r.URL.Path), http.StatusSeeOther)
		return nil, false
	}
	return u, true
}

// exportPage is GET /settings/export.
func (pp *PortabilityPages) exportPage(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	pp.page(w, r, http.StatusOK, "export", u, map[string]any{"Kinds": portability.Kinds})
}

// exportFile is GET /settings/export/{file}: one kind as Mastodon's CSV.
func (pp *PortabilityPages) exportFile(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	var kind portability.Kind
	for _, k := range portability.Kinds {
		if k.FileName() == chi.URLParam(r, "file") {
			kind = k
		}
	}
	if kind == "" {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	var buf bytes.Buffer
	if err := portability.Export(r.Context(), pp.p.DB, pp.p.Engine.URLs(), u.Account, kind, &buf); err != nil {
		pp.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+kind.FileName()+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// importPage is GET /settings/import: the form and the recent imports.
func (pp *PortabilityPages) importPage(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	pp.jobsPage(w, r, http.StatusOK, "import", u, map[string]any{"Notice": r.URL.Query().Get("notice")})
}

// jobsPage renders the import or archive page with the account's jobs of
// that kind (refreshing itself while one is under way).
func (pp *PortabilityPages) jobsPage(w http.ResponseWriter, r *http.Request, status int, name string, u *db.User, data map[string]any) {
	kinds := portability.ImportKinds()
	if name == "archive" {
		kinds = []string{portability.ArchiveKind}
	}
	jobs, err := pp.p.DB.PortabilityJobs(r.Context(), u.AccountID, kinds, 20)
	if err != nil {
		pp.fail(w, r, err)
		return
	}
	for _, j := range jobs {
		if j.State == db.JobQueued || j.State == db.JobRunning {
			data["Refresh"] = true
		}
	}
	data["Jobs"], data["Kinds"] = jobs, portability.Kinds
	pp.page(w, r, status, name, u, data)
}

// importUpload is POST /settings/import (multipart: type, mode, file).
func (pp *PortabilityPages) importUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportFile+64<<10)
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	invalid := func(msg string) {
		pp.jobsPage(w, r, http.StatusUnprocessableEntity, "import", u, map[string]any{"Error": msg})
	}
	kind, err := portability.ParseKind(r.PostFormValue("type"))
	if err != nil {
		invalid("Choose what the file holds.")
		return
	}
	mode, err := portability.ParseMode(r.PostFormValue("mode"))
	if err != nil {
		invalid("Choose merge or overwrite.")
		return
	}
	data, problem := uploadedFile(r)
	if problem != "" {
		invalid(problem)
		return
	}
	if _, err := portability.QueueImport(r.Context(), pp.p.DB, u.Account, kind, mode, data); err != nil {
		if errors.Is(err, portability.ErrTooManyRows) || strings.HasPrefix(err.Error(), "portability: not a CSV") {
			invalid("The file cannot be imported: " + strings.TrimPrefix(err.Error(), "portability: "))
			return
		}
		pp.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/import?notice=queued", http.StatusSeeOther)
}

// uploadedFile reads the form's "file" (at most maxImportFile bytes); a
// problem comes back as a message for the page.
func uploadedFile(r *http.Request) ([]byte, string) {
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, "Choose a CSV file to upload."
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return nil, "The upload failed; try again."
	}
	if len(data) > maxImportFile {
		return nil, "The file is too big (at most 4 MB)."
	}
	return data, ""
}

// jobView is what the pages show of a job's summary.
type jobView struct {
	Done, Removed int
	Failed        []portability.Failure
	Error         string
}

func jobSummary(j *db.PortabilityJob) jobView {
	var v jobView
	if j.State == db.JobFailed {
		v.Error = j.Result
		return v
	}
	var res portability.Result
	if json.Unmarshal([]byte(j.Result), &res) == nil {
		v.Done, v.Removed, v.Failed = res.Done, res.Removed, res.Failed
	}
	return v
}

// engineMessage words an engine refusal for a page (false: not a refusal).
func engineMessage(err error) (string, bool) {
	var inErr *activitypub.InputError
	switch {
	case errors.As(err, &inErr):
		return strings.TrimPrefix(inErr.Error(), "Validation failed: "), true
	case errors.Is(err, db.ErrNotFound):
		return "That account was not found.", true
	}
	return "", false
}
