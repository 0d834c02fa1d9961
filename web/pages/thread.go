package pages

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// threadMax bounds the statuses a thread page shows each way.
const threadMax = 200

// status is GET /statuses/{id}: the thread around a status with a reply
// form, or (for the script) the status alone, as the timeline shows it.
func (ws *Workspace) status(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	s, ok := ws.visibleStatus(w, r, v)
	if !ok {
		return
	}
	if wantsFragment(r) {
		out, err := ws.posts(ctx, v, []*db.Status{s}, "home")
		if err != nil || len(out) == 0 {
			ws.failOrGone(w, r, err)
			return
		}
		ws.fragment(w, r, http.StatusOK, "timeline", "wspost", out[0])
		return
	}
	posts, err := ws.thread(ctx, v, s)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	c, err := ws.replyForm(ctx, v, s)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	ws.render(w, r, http.StatusOK, "timeline", v, map[string]any{"Title": "Thread", "Nav": "", "Posts": posts, "Compose": c,
		"Empty": "This post is hidden by your filters."})
}

// visibleStatus is the path's status if the viewer may see it (by the one
// visibility rule); otherwise it answers 404 itself.
func (ws *Workspace) visibleStatus(w http.ResponseWriter, r *http.Request, v *viewer) (*db.Status, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	s, err := ws.p.DB.StatusByID(r.Context(), id, db.ViewerOf(v.Account.ID))
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return nil, false
	}
	if err != nil {
		ws.fail(w, r, err)
		return nil, false
	}
	return s, true
}

func (ws *Workspace) failOrGone(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	render.Error(w, r, http.StatusNotFound, "Not found")
}

// thread lists the visible ancestors of s (oldest first), s, and its
// visible replies below it in reading order (indented one level).
func (ws *Workspace) thread(ctx context.Context, v *viewer, s *db.Status) ([]postView, error) {
	nodes, err := ws.p.DB.ThreadTree(ctx, s.ThreadID, db.ViewerOf(v.Account.ID))
	if err != nil {
		return nil, err
	}
	up, down := threadOrder(nodes, s.ID)
	ids := append(append(up, s.ID), down...)
	loaded, err := ws.p.DB.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	list := make([]*db.Status, 0, len(ids))
	for _, id := range ids {
		if st := loaded[id]; st != nil {
			list = append(list, st)
		}
	}
	posts, err := ws.posts(ctx, v, list, "thread")
	if err != nil {
		return nil, err
	}
	focus := db.FormatID(s.ID)
	after := false
	for i := range posts {
		posts[i].Focus = posts[i].Shown.ID == focus
		posts[i].Reply = after
		after = after || posts[i].Focus
	}
	return posts, nil
}

// threadOrder walks a thread's tree from the status id: its visible
// ancestors, then its visible descendants depth first, oldest reply first.
func threadOrder(nodes []db.ThreadNode, id int64) (up, down []int64) {
	byID := map[int64]*db.ThreadNode{}
	children := map[int64][]int64{}
	for i := range nodes {
		n := &nodes[i]
		byID[n.ID] = n
		if n.InReplyToID != nil {
			children[*n.InReplyToID] = append(children[*n.InReplyToID], n.ID)
		}
	}
	seen := map[int64]bool{id: true}
	if n := byID[id]; n != nil {
		for cur := n.InReplyToID; cur != nil && len(up) < threadMax; {
			p := byID[*cur]
			if p == nil || seen[p.ID] {
				break
			}
			seen[p.ID] = true
			if p.Visible == 1 {
				up = append([]int64{p.ID}, up...)
			}
			cur = p.InReplyToID
		}
	}
	var walk func(parent int64)
	walk = func(parent int64) {
		for _, c := range children[parent] {
			if seen[c] || len(down) >= threadMax {
				continue
			}
			seen[c] = true
			if byID[c].Visible == 1 {
				down = append(down, c)
			}
			walk(c)
		}
	}
	walk(id)
	return up, down
}

// replyForm is the compose form replying to s: its mentions filled in, its
// visibility kept.
func (ws *Workspace) replyForm(ctx context.Context, v *viewer, s *db.Status) (*composeView, error) {
	c, err := ws.composeForm(ctx, v, "")
	if err != nil {
		return nil, err
	}
	c.InReplyTo, c.ReturnTo, c.Insert = db.FormatID(s.ID), "/statuses/"+db.FormatID(s.ID), "append"
	shown, err := ws.present.Status(ctx, v.Account.ID, s)
	if err != nil {
		return nil, err
	}
	if shown.Reblog != nil {
		shown = *shown.Reblog
	}
	var mentions []string
	if shown.Account.ID != db.FormatID(v.Account.ID) {
		mentions = append(mentions, "@"+shown.Account.Acct)
	}
	for _, m := range shown.Mentions {
		if m.ID != db.FormatID(v.Account.ID) {
			mentions = append(mentions, "@"+m.Acct)
		}
	}
	if len(mentions) > 0 {
		c.Text = strings.Join(mentions, " ") + " "
	}
	vis := shown.Visibility
	if vis == "private" {
		vis = "followers"
	}
	for i := range c.Visibilities {
		c.Visibilities[i].Selected = c.Visibilities[i].Value == vis
	}
	return c, nil
}

// statusActions are the buttons of a post: boost, favourite, bookmark and
// their undoing, each one engine call (or, for bookmarks, the db call the
// API makes).
var statusActions = map[string]func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error{
	"favourite": func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error {
		_, err := ws.p.Engine.Favourite(ctx, v.Account, original(s))
		return err
	},
	"unfavourite": func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error {
		_, err := ws.p.Engine.Unfavourite(ctx, v.Account, original(s))
		return err
	},
	"reblog": func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error {
		vis, _ := db.ParseVisibility(v.User.DefaultPrivacy)
		if vis == db.Direct {
			vis = db.Private
		}
		_, err := ws.p.Engine.Reblog(ctx, v.Account, original(s), vis)
		return err
	},
	"unreblog": func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error {
		_, err := ws.p.Engine.Unreblog(ctx, v.Account, original(s))
		return err
	},
	"bookmark": func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error {
		return ws.p.DB.Bookmark(ctx, v.Account.ID, original(s))
	},
	"unbookmark": func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error {
		return ws.p.DB.Unbookmark(ctx, v.Account.ID, original(s))
	},
	"delete": func(ws *Workspace, ctx context.Context, v *viewer, s *db.Status) error {
		if s.AccountID != v.Account.ID {
			return activitypub.ErrForbidden // only one's own posts, as in the API
		}
		_, err := ws.p.Engine.DeleteStatus(ctx, v.Account, s.ID)
		return err
	},
}

// original is the boosted status of a boost, else the status.
func original(s *db.Status) int64 {
	if s.ReblogOfID != nil {
		return *s.ReblogOfID
	}
	return s.ID
}

// statusAction is POST /statuses/{id}/{action}.
func (ws *Workspace) statusAction(w http.ResponseWriter, r *http.Request) {
	act, known := statusActions[chi.URLParam(r, "action")]
	if !known {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	v, ok := ws.formViewer(w, r)
	if !ok {
		return
	}
	s, ok := ws.visibleStatus(w, r, v)
	if !ok {
		return
	}
	if err := act(ws, r.Context(), v, s); err != nil {
		if msg, status, ok := userMessage(err); ok {
			ws.refuse(w, r, status, msg)
			return
		}
		ws.fail(w, r, err)
		return
	}
	if wantsFragment(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	back := backTo(r, "/statuses/"+db.FormatID(s.ID))
	if chi.URLParam(r, "action") == "delete" && strings.HasPrefix(back, "/statuses/"+db.FormatID(s.ID)) {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// vote is POST /polls/{id}/votes with choices[] (option indexes), through
// the engine as the API votes.
func (ws *Workspace) vote(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.formViewer(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var choices []int
	for _, c := range r.PostForm["choices[]"] {
		if n, err := strconv.Atoi(c); err == nil {
			choices = append(choices, n)
		}
	}
	_, err := ws.p.Engine.Vote(r.Context(), v.Account, id, choices)
	var refused *activitypub.VoteRefused
	switch {
	case errors.As(err, &refused):
		ws.refuse(w, r, http.StatusUnprocessableEntity, refused.Reason)
		return
	case err != nil:
		if msg, status, ok := userMessage(err); ok {
			ws.refuse(w, r, status, msg)
			return
		}
		ws.fail(w, r, err)
		return
	}
	http.Redirect(w, r, backTo(r, "/"), http.StatusSeeOther)
}

// refuse tells the script (plain text) or the person (a page) why an
// action was refused.
func (ws *Workspace) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if wantsFragment(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(msg))
		return
	}
	render.Error(w, r, status, msg)
}

// backTo is the page a form came from (Referer, this site only), else def.
func backTo(r *http.Request, def string) string {
	ref := r.Referer()
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	if rest, ok := strings.CutPrefix(ref, base); ok && strings.HasPrefix(rest, "/") && !strings.HasPrefix(rest, "//") {
		return rest
	}
	return def
}
