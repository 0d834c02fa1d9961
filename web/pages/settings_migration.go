package pages

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/portability"
	"github.com/kontor-social/kontor/web/render"
)

// migrationPage is GET /settings/migration.
func (pp *PortabilityPages) migrationPage(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	pp.migration(w, r, http.StatusOK, u, map[string]any{"Notice": r.URL.Query().Get("notice")})
}

// migration renders the page with the account as it is now.
func (pp *PortabilityPages) migration(w http.ResponseWriter, r *http.Request, status int, u *db.User, data map[string]any) {
	a, err := pp.p.DB.AccountByID(r.Context(), u.AccountID)
	if err != nil {
		pp.fail(w, r, err)
		return
	}
	data["Account"], data["Aliases"] = a, strings.Join(a.AlsoKnownAs, "\n")
	if a.MovedToAccountID != nil {
		if moved, err := pp.p.DB.AccountByID(r.Context(), *a.MovedToAccountID); err == nil {
			data["MovedTo"] = moved
		}
	}
	pp.page(w, r, status, "migration", u, data)
}

// setAliases is POST /settings/migration/aliases (also_known_as_uris, one
// account URL per line; empty clears them).
func (pp *PortabilityPages) setAliases(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	var uris []string
	for _, line := range strings.Split(r.PostFormValue("also_known_as_uris"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			uris = append(uris, line)
		}
	}
	a, err := pp.p.DB.AccountByID(r.Context(), u.AccountID)
	if err != nil {
		pp.fail(w, r, err)
		return
	}
	if err := pp.p.Engine.SetAliases(r.Context(), a, uris); err != nil {
		if msg, ok := engineMessage(err); ok {
			pp.migration(w, r, http.StatusUnprocessableEntity, u, map[string]any{"Error": msg})
			return
		}
		pp.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/migration?notice=aliases", http.StatusSeeOther)
}

// move is POST /settings/migration/move (moved_to_uri, password).
func (pp *PortabilityPages) move(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	invalid := func(msg string) {
		pp.migration(w, r, http.StatusUnprocessableEntity, u, map[string]any{"Error": msg})
	}
	target := strings.TrimSpace(r.PostFormValue("moved_to_uri"))
	if target == "" {
		invalid("Give the address (URL) of the new account.")
		return
	}
	if !db.CheckPassword(u, r.PostFormValue("password")) {
		invalid("The password is not right.")
		return
	}
	a, err := pp.p.DB.AccountByID(r.Context(), u.AccountID)
	if err != nil {
		pp.fail(w, r, err)
		return
	}
	if _, err := pp.p.Engine.MoveAccount(r.Context(), a, target); err != nil {
		if msg, ok := engineMessage(err); ok {
			invalid(msg)
			return
		}
		if r.Context().Err() == nil {
			pp.p.Logger.Info("move: target", "uri", target, "err", err)
			invalid("The new account could not be fetched; check the address and try again.")
		}
		return
	}
	http.Redirect(w, r, "/settings/migration?notice=moved", http.StatusSeeOther)
}

// archivePage is GET /settings/archive.
func (pp *PortabilityPages) archivePage(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	pp.jobsPage(w, r, http.StatusOK, "archive", u, map[string]any{"Notice": r.URL.Query().Get("notice")})
}

// requestArchive is POST /settings/archive: one archive at a time.
func (pp *PortabilityPages) requestArchive(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	jobs, err := pp.p.DB.PortabilityJobs(r.Context(), u.AccountID, []string{portability.ArchiveKind}, 1)
	if err != nil {
		pp.fail(w, r, err)
		return
	}
	if len(jobs) == 0 || (jobs[0].State != db.JobQueued && jobs[0].State != db.JobRunning) {
		if _, err := portability.QueueArchive(r.Context(), pp.p.DB, u.Account); err != nil {
			pp.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/settings/archive?notice=queued", http.StatusSeeOther)
}

// downloadArchive is GET /settings/archive/{id}: the finished zip of one
// of the signed-in user's archive jobs.
func (pp *PortabilityPages) downloadArchive(w http.ResponseWriter, r *http.Request) {
	u, ok := pp.user(w, r)
	if !ok {
		return
	}
	id, _ := db.ParseID(chi.URLParam(r, "id"))
	j, err := pp.p.DB.PortabilityJob(r.Context(), u.AccountID, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && (j.Kind != portability.ArchiveKind || j.FileKey == "")) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	} else if err != nil {
		pp.fail(w, r, err)
		return
	}
	f, info, err := pp.files.Open(r.Context(), j.FileKey)
	if errors.Is(err, media.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "This archive is gone; request a new one.")
		return
	} else if err != nil {
		pp.fail(w, r, err)
		return
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", "application/zip")
	hd.Set("Content-Disposition", `attachment; filename="archive-`+u.Account.Username+`-`+db.FormatID(j.ID)+`.zip"`)
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	if info != nil && info.Size > 0 {
		hd.Set("Content-Length", db.FormatID(info.Size))
	}
	io.Copy(w, f)
}
