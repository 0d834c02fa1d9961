package pages

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// conversationView is a direct-message thread in the list.
type conversationView struct {
	entity.Conversation
	Last *postView
}

// conversations is GET /conversations: direct-message threads, the newest
// first, each opening as a thread page with its reply form; above them, a
// form for a new direct message.
func (ws *Workspace) conversations(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	list, err := ws.p.DB.Conversations(ctx, v.Account.ID, readPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	out, err := ws.present.Conversations(ctx, v.Account, list)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	views := make([]conversationView, len(out))
	for i, c := range out {
		views[i].Conversation = c
		if c.LastStatus != nil {
			pv := ws.postView(v, *c.LastStatus)
			views[i].Last = &pv
		}
	}
	c, err := ws.composeForm(ctx, v, "")
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	for i := range c.Visibilities {
		c.Visibilities[i].Selected = c.Visibilities[i].Value == "direct"
	}
	c.ReturnTo = "/conversations"
	var more string
	if n := len(list); n > 0 && list[n-1].LastStatusID != nil {
		more = moreURL("/conversations", n, *list[n-1].LastStatusID)
	}
	ws.render(w, r, http.StatusOK, "conversations", v, map[string]any{"Title": "Conversations", "Nav": "conversations",
		"Stream": "direct", "Conversations": views, "Compose": c, "MoreURL": more})
}

// conversation is GET /conversations/{id}: marks it read (as the API's
// POST /conversations/:id/read) and opens its newest status's thread.
func (ws *Workspace) conversation(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	c, err := ws.p.DB.ConversationByID(ctx, v.Account.ID, id)
	if errors.Is(err, db.ErrNotFound) || err == nil && c.LastStatusID == nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	} else if err != nil {
		ws.fail(w, r, err)
		return
	}
	if err := ws.p.DB.MarkConversationRead(ctx, v.Account.ID, id); err != nil {
		ws.fail(w, r, err)
		return
	}
	last := db.FormatID(*c.LastStatusID)
	http.Redirect(w, r, "/statuses/"+last+"#post-"+last, http.StatusSeeOther)
}
