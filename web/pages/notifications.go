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

// notificationView is a notification as the page shows it.
type notificationView struct {
	entity.Notification
	Says            string    // "favourited your post" …
	Post            *postView // its status, if any
	Request         bool      // a follow request still waiting for an answer
	CSRF, CSRFField string
}

// notificationSays is what each type of notification says after the name.
var notificationSays = map[string]string{
	"mention": "mentioned you", "status": "posted", "reblog": "boosted your post", "follow": "followed you",
	"follow_request": "asks to follow you", "favourite": "favourited your post", "poll": "a poll has ended",
	"update": "edited a post", "admin.sign_up": "signed up", "admin.report": "filed a report",
}

// notifications is GET /notifications: the list, newest first; opening it
// marks them read (the notifications marker the API's clients share).
func (ws *Workspace) notifications(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	list, err := ws.p.DB.Notifications(ctx, v.Account.ID, db.NotificationFilter{}, readPage(r))
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	views, err := ws.notificationViews(r, v, list)
	if err != nil {
		ws.fail(w, r, err)
		return
	}
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
		if r.URL.Query().Get("max_id") == "" {
			if err := ws.p.DB.SaveMarkers(ctx, v.Account.ID, map[string]int64{"notifications": list[0].ID}); err != nil {
				ws.fail(w, r, err)
				return
			}
			v.Unread = 0
		}
	}
	ws.render(w, r, http.StatusOK, "notifications", v, map[string]any{"Title": "Notifications", "Nav": "notifications",
		"Stream": "user/notification", "Notifications": views, "MoreURL": moreURL("/notifications", len(list), last)})
}

// notification is GET /notifications/{id}, one notification for the
// script (a live one arriving on the open page).
func (ws *Workspace) notification(w http.ResponseWriter, r *http.Request) {
	v, ok := ws.viewer(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	n, err := ws.p.DB.NotificationShown(r.Context(), v.Account.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	} else if err != nil {
		ws.fail(w, r, err)
		return
	}
	views, err := ws.notificationViews(r, v, []*db.Notification{n})
	if err != nil || len(views) == 0 {
		ws.failOrGone(w, r, err)
		return
	}
	ws.fragment(w, r, http.StatusOK, "notifications", "notification", views[0])
}

func (ws *Workspace) notificationViews(r *http.Request, v *viewer, list []*db.Notification) ([]notificationView, error) {
	ctx := r.Context()
	out, err := ws.present.Notifications(ctx, v.Account.ID, list)
	if err != nil {
		return nil, err
	}
	views := make([]notificationView, 0, len(out))
	for _, n := range out {
		nv := notificationView{Notification: n, Says: notificationSays[n.Type], CSRF: v.CSRF, CSRFField: v.CSRFField}
		if n.Status != nil {
			pv := ws.postView(v, *n.Status)
			nv.Post = &pv
		}
		if n.Type == "follow_request" {
			from, _ := strconv.ParseInt(n.Account.ID, 10, 64)
			if nv.Request, err = ws.p.DB.IsFollowRequest(ctx, from, v.Account.ID); err != nil {
				return nil, err
			}
		}
		views = append(views, nv)
	}
	return views, nil
}

// answerFollowRequest is POST /follow_requests/{id}/authorize and
// /follow_requests/{id}/reject, through the engine as in the API.
func (ws *Workspace) answerFollowRequest(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := ws.formViewer(w, r)
		if !ok {
			return
		}
		ctx := r.Context()
		id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		pending, err := ws.p.DB.IsFollowRequest(ctx, id, v.Account.ID)
		if err != nil || !pending {
			ws.failOrGone(w, r, err)
			return
		}
		follower, err := ws.p.DB.AccountByID(ctx, id)
		if err == nil && accept {
			err = ws.p.Engine.AuthorizeFollowRequest(ctx, v.Account, follower)
		} else if err == nil {
			err = ws.p.Engine.RejectFollowRequest(ctx, v.Account, follower)
		}
		if err != nil {
			ws.fail(w, r, err)
			return
		}
		if wantsFragment(r) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Redirect(w, r, backTo(r, "/notifications"), http.StatusSeeOther)
	}
}
