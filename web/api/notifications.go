package api

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// notificationTypes are the types Mastodon defines; types[] keeps only
// these (Kontor stores the first eight).
var notificationTypes = []string{
	db.NotifyMention, db.NotifyStatus, db.NotifyReblog, db.NotifyFollow, db.NotifyFollowRequest, db.NotifyFavourite,
	db.NotifyPoll, db.NotifyUpdate, db.NotifyMove, "admin.sign_up", "admin.report", "severed_relationships", "moderation_warning",
	"quote", "quoted_update",
}

// notificationRoutes registers /api/v1/notifications.
func (h *Handlers) notificationRoutes(r chi.Router) {
	r.Route("/notifications", func(r chi.Router) {
		r.Get("/", h.handler(h.listNotifications))
		r.Get("/unread_count", h.handler(h.unreadNotifications))
		r.Get("/policy", h.handler(h.notificationPolicyV1))
		r.Get("/requests", h.handler(h.notificationRequests))
		r.Post("/clear", h.handler(h.clearNotifications))
		r.Post("/dismiss", h.handler(h.dismissNotification)) // legacy: id in the body
		r.Get("/{id}", h.handler(h.getNotification))
		r.Post("/{id}/dismiss", h.handler(h.dismissNotification))
	})
}

// readNotificationFilter reads the parameters, types[], exclude_types[] and
// account_id among them. none is true when types[] named only unknown types
// (nothing can match).
func readNotificationFilter(r *http.Request) (p *Params, f db.NotificationFilter, none bool, err error) {
	if p, err = ReadParams(r); err != nil {
		return nil, f, false, err
	}
	f, none, err = notificationFilter(p)
	return p, f, none, err
}

// notificationFilter reads types[], exclude_types[] and account_id.
func notificationFilter(p *Params) (f db.NotificationFilter, none bool, err error) {
	if p.Has("types") {
		for _, t := range p.Strings("types") {
			if slices.Contains(notificationTypes, t) && !slices.Contains(f.Types, t) {
				f.Types = append(f.Types, t)
			}
		}
		none = len(f.Types) == 0 && len(p.Strings("types")) > 0
	}
	for _, t := range p.Strings("exclude_types") {
		if t != "" {
			f.ExcludeTypes = append(f.ExcludeTypes, t)
		}
	}
	if id, ok, err := p.ID("account_id"); err != nil {
		return f, false, err
	} else if ok {
		f.FromID = id
	}
	return f, none, nil
}

func (h *Handlers) listNotifications(w http.ResponseWriter, r *http.Request) error {
	a, page, ok, err := h.requirePage(w, r, "read:notifications", 40, 80)
	if !ok {
		return err
	}
	_, f, none, err := readNotificationFilter(r)
	if err != nil {
		return err
	}
	if none {
		render.JSON(w, http.StatusOK, []entity.Notification{})
		return nil
	}
	list, err := h.DB.Notifications(r.Context(), a.Account.ID, f, page)
	if err != nil {
		return err
	}
	out, err := h.present.Notifications(r.Context(), a.Account.ID, list)
	if err != nil {
		return err
	}
	// Cursors are the raw page's: notifications dropped while rendering
	// (a status hidden by a filter) must not stall paging.
	setPageLink(h, w, r, list, func(n *db.Notification) int64 { return n.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) getNotification(w http.ResponseWriter, r *http.Request) error {
	a, n, ok, err := requireOwn(h, w, r, "read:notifications", h.DB.NotificationByID)
	if !ok {
		return err
	}
	out, err := h.present.Notifications(r.Context(), a.Account.ID, []*db.Notification{n})
	return renderFirst(w, out, err)
}

func (h *Handlers) dismissNotification(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:notifications")
	if !ok {
		return nil
	}
	var id int64
	if chi.URLParam(r, "id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	} else {
		p, err := ReadParams(r)
		if err != nil {
			return err
		}
		var given bool
		if id, given, err = p.ID("id"); err != nil {
			return err
		} else if !given {
			return fieldErr("id", "can't be blank")
		}
	}
	if err := h.DB.DismissNotification(r.Context(), a.Account.ID, id); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

func (h *Handlers) clearNotifications(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:notifications")
	if !ok {
		return nil
	}
	if err := h.DB.ClearNotifications(r.Context(), a.Account.ID); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// unreadQuery is what an unread count reads: the filter, the limit
// (default 100, at most 1000) and the notifications marker. none: types[]
// named only unknown types, so nothing is unread.
type unreadQuery struct {
	params *Params
	filter db.NotificationFilter
	limit  int
	after  int64
	none   bool
}

func (h *Handlers) readUnreadQuery(r *http.Request, accountID int64) (q unreadQuery, err error) {
	if q.params, q.filter, q.none, err = readNotificationFilter(r); err != nil {
		return q, err
	}
	q.limit = 100
	if n, ok, err := q.params.Int("limit"); err != nil {
		return q, err
	} else if ok {
		q.limit = int(min(max(n, 1), 1000))
	}
	if q.none {
		return q, nil
	}
	markers, err := h.DB.Markers(r.Context(), accountID, []string{"notifications"})
	if err != nil {
		return q, err
	}
	if m := markers["notifications"]; m != nil {
		q.after = m.LastReadID
	}
	return q, nil
}

// unreadNotifications counts notifications newer than the notifications
// marker.
func (h *Handlers) unreadNotifications(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:notifications")
	if !ok {
		return nil
	}
	q, err := h.readUnreadQuery(r, a.Account.ID)
	if err != nil {
		return err
	}
	count := 0
	if !q.none {
		if count, err = h.DB.CountNotificationsAfter(r.Context(), a.Account.ID, q.filter, q.after, q.limit); err != nil {
			return err
		}
	}
	render.JSON(w, http.StatusOK, map[string]int{"count": count})
	return nil
}

// notificationPolicySummary: Kontor filters no notifications, so nothing waits.
var notificationPolicySummary = map[string]int{"pending_requests_count": 0, "pending_notifications_count": 0}

func (h *Handlers) notificationPolicyV1(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.require(w, r, "read:notifications"); !ok {
		return nil
	}
	render.JSON(w, http.StatusOK, map[string]any{
		"filter_not_following": false, "filter_not_followers": false, "filter_new_accounts": false,
		"filter_private_mentions": false, "summary": notificationPolicySummary,
	})
	return nil
}

func (h *Handlers) notificationPolicyV2(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.require(w, r, "read:notifications"); !ok {
		return nil
	}
	render.JSON(w, http.StatusOK, map[string]any{
		"for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
		"for_private_mentions": "accept", "for_limited_accounts": "accept", "summary": notificationPolicySummary,
	})
	return nil
}

// notificationRequests: no notification is ever held back, so there are
// no requests to review.
func (h *Handlers) notificationRequests(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.require(w, r, "read:notifications"); !ok {
		return nil
	}
	render.JSON(w, http.StatusOK, []any{})
	return nil
}
