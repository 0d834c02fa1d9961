package pages

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// postView is a status as the workspace shows it, with what its buttons
// need.
type postView struct {
	S     entity.Status  // as listed (a boost, or the status)
	Shown *entity.Status // the status shown: the boosted one for boosts
	Focus bool           // the status a thread page is about
	Reply bool           // a reply under it (indented one level)
	Own   bool           // the viewer's own post (it may be deleted)
	CSRF  string
	// CSRFField names the CSRF form field.
	CSRFField string
}

// toggleView is one of a post's on/off buttons (boost, favourite, bookmark).
type toggleView struct {
	ID, Do, Off, Icon, Label, CSRF, CSRFField string
	On                                        bool
	Count                                     int64
}

func newToggle(p postView, do, off, icon, label string, on *bool, count int64) toggleView {
	return toggleView{ID: p.Shown.ID, Do: do, Off: off, Icon: icon, Label: label, On: on != nil && *on, Count: count,
		CSRF: p.CSRF, CSRFField: p.CSRFField}
}

// posts presents statuses for v in a filter context (as the API does);
// statuses the viewer's filters hide are left out.
func (ws *Workspace) posts(ctx context.Context, v *viewer, list []*db.Status, scope string) ([]postView, error) {
	out, err := ws.present.StatusesIn(ctx, v.Account.ID, list, scope)
	if err != nil {
		return nil, err
	}
	views := make([]postView, len(out))
	for i := range out {
		views[i] = ws.postView(v, out[i])
	}
	return views, nil
}

func (ws *Workspace) postView(v *viewer, s entity.Status) postView {
	pv := postView{S: s, Shown: &s, CSRF: v.CSRF, CSRFField: v.CSRFField}
	if s.Reblog != nil {
		pv.Shown = s.Reblog
	}
	pv.Own = s.Reblog == nil && s.Account.ID == db.FormatID(v.Account.ID)
	return pv
}

// serveHome shows the home timeline at / to a signed-in person; false
// for visitors (who get the instance's front page).
func (ws *Workspace) serveHome(w http.ResponseWriter, r *http.Request) bool {
	u, err := ws.auth.SessionUser(r)
	if err != nil {
		ws.fail(w, r, err)
		return true
	}
	if u == nil || u.Account == nil {
		return false
	}
	v, ok := ws.viewerOf(w, r, u)
	if !ok {
		return true
	}
	ws.home(w, r, v, http.StatusOK, nil)
	return true
}

// home renders the home timeline with the compose form (c: the form as
// sent back with an error, or nil for an empty one).
func (ws *Workspace) home(w http.ResponseWriter, r *http.Request, v *viewer, status int, c *composeView) {
	ctx := r.Context()
	list, err := ws.p.DB.HomeTimeline(ctx, v.Account.ID, readPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	posts, err := ws.posts(ctx, v, list, "home")
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	if c == nil {
		if c, err = ws.composeForm(ctx, v, r.URL.Query().Get("as")); err != nil {
			ws.fail(w, r, err)
			return
		}
	}
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
	}
	ws.render(w, r, status, "timeline", v, map[string]any{
		"Title": "Home", "Nav": "home", "Stream": "user", "Posts": posts, "Compose": c, "Tabs": true,
		"Notice":  homeNotice(r),
		"Empty":   "Your home timeline is empty. Follow accounts to fill it: find them with Search.",
		"MoreURL": moreURL("/", len(list), last),
	})
}

// compose is POST /compose, the compose form: the post appears in the
// page (the script) or the browser comes back to / (forms without it).
func (ws *Workspace) compose(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		render.Error(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	v, ok := ws.formViewer(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	post, at, err := readPost(r, v.User)
	var p *poster
	if err == nil {
		p, err = ws.posterOf(ctx, v, r.PostFormValue("as"))
	}
	if err == nil {
		post.MediaIDs, err = ws.attach(r, p)
	}
	var res outcome
	if err == nil {
		res, err = ws.publish(ctx, v, p, post, at)
	}
	if err != nil {
		ws.composeFailed(w, r, v, err)
		return
	}
	ws.composed(w, r, v, p, res)
}

// attach stores the form's file (with its alt text) for p, as the API's
// media upload does; none without a file.
func (ws *Workspace) attach(r *http.Request, p *poster) ([]int64, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Size == 0 {
		return nil, nil
	}
	if ws.Upload == nil {
		return nil, &activitypub.InputError{Field: "file", Msg: "cannot be uploaded here"}
	}
	m, err := ws.Upload(r.Context(), p.Account.ID, r.MultipartForm.File["file"][0], r.PostFormValue("media_description"))
	if err != nil {
		return nil, err
	}
	return []int64{m.ID}, nil
}

// composed answers a successful post: the post (or the notice of a held
// draft or a scheduled post) for the script, a redirect for forms.
func (ws *Workspace) composed(w http.ResponseWriter, r *http.Request, v *viewer, p *poster, res outcome) {
	n := outcomeNotice(p, res)
	if !wantsFragment(r) {
		to := "/"
		if rt := r.PostFormValue("return_to"); strings.HasPrefix(rt, "/statuses/") || strings.HasPrefix(rt, "/conversations") {
			to = rt
		}
		if n != nil {
			to = "/?" + n.query.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	if n != nil {
		ws.fragment(w, r, http.StatusAccepted, "timeline", "notice", n)
		return
	}
	s, err := ws.present.Status(r.Context(), v.Account.ID, res.Status)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	ws.fragment(w, r, http.StatusCreated, "timeline", "wspost", ws.postView(v, s))
}

// composeFailed shows why a post was refused: the message for the script,
// the page with the form as sent for forms.
func (ws *Workspace) composeFailed(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	msg, status, ok := userMessage(err)
	if !ok {
		ws.fail(w, r, err)
		return
	}
	if wantsFragment(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(msg))
		return
	}
	as := r.PostFormValue("as")
	c, cerr := ws.composeForm(r.Context(), v, as)
	if cerr != nil {
		ws.fail(w, r, cerr)
		return
	}
	c.Error, c.Text, c.SpoilerText, c.ScheduledAt = msg, r.PostFormValue("status"), r.PostFormValue("spoiler_text"), r.PostFormValue("scheduled_at")
	copy(c.PollSlots, r.PostForm["poll[options][]"])
	ws.home(w, r, v, status, c)
}

// notice is a message above the timeline, with an optional link.
type notice struct {
	Text, Link, LinkText string
	query                url.Values
}

// outcomeNotice tells what became of a post that is not published yet.
func outcomeNotice(p *poster, res outcome) *notice {
	switch {
	case res.Draft != nil:
		number := strconv.FormatInt(res.Draft.Number, 10)
		return &notice{Text: "Waiting for approval: an owner of @" + p.Account.Username + " must approve this post (draft #" + number +
			") before it is published.",
			Link: draftURL(p.Account.Username, res.Draft.Number), LinkText: "See draft #" + number,
			query: url.Values{"draft": {number}, "brand": {p.Account.Username}}}
	case res.Scheduled != nil:
		return &notice{Text: "Scheduled for " + res.Scheduled.ScheduledAt.UTC().Format("2 Jan 2006 15:04 UTC") + ".",
			query: url.Values{"scheduled": {res.Scheduled.ScheduledAt.UTC().Format(time.RFC3339)}}}
	}
	return nil
}

// homeNotice is the notice a form's redirect back to / asks for.
func homeNotice(r *http.Request) *notice {
	q := r.URL.Query()
	if number, err := strconv.ParseInt(q.Get("draft"), 10, 64); err == nil && activitypub.ValidateUsername(q.Get("brand")) == nil {
		p := &poster{Account: &db.Account{Username: q.Get("brand")}}
		return outcomeNotice(p, outcome{Draft: &db.BrandDraft{Number: number}})
	}
	if t, err := time.Parse(time.RFC3339, q.Get("scheduled")); err == nil {
		return outcomeNotice(nil, outcome{Scheduled: &db.ScheduledStatus{ScheduledAt: t}})
	}
	return nil
}
