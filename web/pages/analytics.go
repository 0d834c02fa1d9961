package pages

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/oauth"
	"github.com/kontor-social/kontor/web/render"
)

// AnalyticsPages show a local account's analytics as an HTML page (charts
// drawn as inline SVG, no JavaScript) and CSV exports, to the users
// analytics.MayView lets in, signed in with the session cookie of the
// sign-in page (web/oauth).
//
//	GET /@{username}/analytics?since=&until=
//	GET /@{username}/analytics.csv?kind=posts|followers|reach&since=&until=
type AnalyticsPages struct {
	p       *Pages
	an      *analytics.Service
	session func(*http.Request) (*db.User, error)
}

// Analytics returns the analytics pages. session tells the signed-in user
// of a request (oauth.Handlers.SessionUser).
func (p *Pages) Analytics(an *analytics.Service, session func(*http.Request) (*db.User, error)) *AnalyticsPages {
	p.pages["analytics"] = render.LazyTemplate(func() (*template.Template, error) {
		return template.New("analytics").Funcs(template.FuncMap{"csvURL": csvURL}).
			ParseFS(templateFiles, "templates/layout.html", "templates/analytics.html")
	})
	return &AnalyticsPages{p: p, an: an, session: session}
}

// Routes mounts the analytics page and its CSV exports.
func (a *AnalyticsPages) Routes(r chi.Router) {
	r.Get("/@{username}/analytics", a.page)
	r.Get("/@{username}/analytics.csv", a.csv)
}

// allowed finds the account of the URL and the signed-in user allowed to
// see its analytics. Otherwise it answers itself: 404 for unknown
// accounts, a redirect to the sign-in page (which comes back here) for
// visitors, 403 for users without access.
func (a *AnalyticsPages) allowed(w http.ResponseWriter, r *http.Request) (*db.Account, *db.User, bool) {
	name := chi.URLParam(r, "username")
	if strings.Contains(name, "@") || activitypub.ValidateUsername(name) != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, nil, false
	}
	ctx := r.Context()
	account, err := a.p.DB.LocalAccount(ctx, name)
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	user, err := a.session(r)
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	if user == nil {
		// Back to the page (with its period) after signing in; an export
		// link brings the visitor back to the page.
		back := "/@" + account.Username + "/analytics"
		if !strings.HasSuffix(r.URL.Path, ".csv") && r.URL.RawQuery != "" {
			back += "?" + r.URL.RawQuery
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, oauth.SignInURL(back), http.StatusSeeOther)
		return nil, nil, false
	}
	ok, err := a.an.MayView(ctx, user, account)
	if err != nil {
		a.fail(w, r, err)
		return nil, nil, false
	}
	if !ok {
		render.Error(w, r, http.StatusForbidden, "You may not see the analytics of this account.")
		return nil, nil, false
	}
	return account, user, true
}

func (a *AnalyticsPages) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	a.p.Logger.Error("analytics page", "path", r.URL.Path, "err", err)
	render.Error(w, r, http.StatusInternalServerError, "Internal server error")
}

// period reads since and until from the query; a bad one is answered 400.
func (a *AnalyticsPages) period(w http.ResponseWriter, r *http.Request) (analytics.Period, bool) {
	q := r.URL.Query()
	period, err := analytics.ParsePeriod(q.Get("since"), q.Get("until"), time.Now())
	if err != nil {
		render.Error(w, r, http.StatusBadRequest, "Invalid period: "+err.Error())
		return period, false
	}
	return period, true
}

func (a *AnalyticsPages) page(w http.ResponseWriter, r *http.Request) {
	account, user, ok := a.allowed(w, r)
	if !ok {
		return
	}
	period, ok := a.period(w, r)
	if !ok {
		return
	}
	rep, err := a.an.Account(r.Context(), account, period, analytics.DefaultTopPosts, user.AccountID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	from, to := period.Days()
	w.Header().Set("Cache-Control", "private, no-store")
	a.p.render(w, r, "analytics", map[string]any{
		"Account":    account,
		"Handle":     account.Username + "@" + a.p.Engine.URLs().AccountDomain(),
		"Report":     rep,
		"Since":      from,
		"Until":      to,
		"Followers":  followersChart(rep.Followers, period),
		"Engagement": engagementChart(rep.TopPosts),
		"Base":       "/@" + account.Username + "/analytics",
		"SignedInAs": signedInAs(user),
	})
}

// csvURL is the export link of a kind for the page's period.
func csvURL(base, kind, since, until string) string {
	v := url.Values{"kind": {kind}, "since": {since}, "until": {until}}
	return base + ".csv?" + v.Encode()
}

func (a *AnalyticsPages) csv(w http.ResponseWriter, r *http.Request) {
	account, user, ok := a.allowed(w, r)
	if !ok {
		return
	}
	kind := r.URL.Query().Get("kind")
	switch kind {
	case analytics.KindPosts, analytics.KindFollowers, analytics.KindReach:
	default:
		render.Error(w, r, http.StatusBadRequest, analytics.ErrUnknownKind.Error())
		return
	}
	period, ok := a.period(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := a.an.WriteCSV(r.Context(), &buf, kind, account, period, user.AccountID); err != nil {
		a.fail(w, r, err)
		return
	}
	from, to := period.Days()
	name := account.Username + "-" + kind + "-" + from + "-" + to + ".csv"
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}
