package api

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// notificationV2Routes registers grouped notifications (Mastodon 4.3's API
// v2; the instance reports api_versions.mastodon 2) and the v2 policy.
func (h *Handlers) notificationV2Routes(r chi.Router) {
	r.Route("/notifications", func(r chi.Router) {
		r.Get("/", h.handler(h.listGroupedNotifications))
		r.Get("/policy", h.handler(h.notificationPolicyV2))
		r.Get("/unread_count", h.handler(h.unreadNotificationGroups))
		r.Get("/{group_key}", h.handler(h.getNotificationGroup))
		r.Get("/{group_key}/accounts", h.handler(h.notificationGroupAccounts))
		r.Post("/{group_key}/dismiss", h.handler(h.dismissNotificationGroup))
	})
}

// groupedTypes reads grouped_types[]: the types the client shows grouped
// (Mastodon groups favourites, boosts and follows).
func groupedTypes(p *Params) []string {
	if !p.Has("grouped_types") {
		return db.DefaultGroupedTypes
	}
	var out []string
	for _, t := range p.Strings("grouped_types") {
		if slices.Contains(db.DefaultGroupedTypes, t) {
			out = append(out, t)
		}
	}
	return out
}

// groupPageChunks bounds the extra reads made to fill a page with groups.
const groupPageChunks = 4

func (h *Handlers) listGroupedNotifications(w http.ResponseWriter, r *http.Request) error {
	a, page, ok, err := h.requirePage(w, r, "read:notifications", 40, 80)
	if !ok {
		return err
	}
	p, f, none, err := readNotificationFilter(r)
	if err != nil || none {
		if err == nil {
			render.JSON(w, http.StatusOK, entity.GroupedNotifications{Accounts: []entity.Account{}, Statuses: []entity.Status{},
				NotificationGroups: []entity.NotificationGroup{}})
		}
		return err
	}
	grouped := groupedTypes(p)
	raw, err := h.groupPage(r, a.Account.ID, f, page, grouped)
	if err != nil {
		return err
	}
	groups, err := h.DB.GroupNotifications(r.Context(), a.Account.ID, raw, grouped)
	if err != nil {
		return err
	}
	out, err := h.present.GroupedNotifications(r.Context(), a.Account.ID, groups)
	if err != nil {
		return err
	}
	setPageLink(h, w, r, raw, func(n *db.Notification) int64 { return n.ID })
	render.JSON(w, http.StatusOK, out)
	return nil
}

// groupPage reads notifications, newest first, until they make page.Limit
// groups (or run out), and cuts them where group page.Limit+1 would start.
func (h *Handlers) groupPage(r *http.Request, accountID int64, f db.NotificationFilter, page db.Page, grouped []string) ([]*db.Notification, error) {
	var raw []*db.Notification
	keys := map[string]bool{}
	chunk := page
	for range groupPageChunks {
		list, err := h.DB.Notifications(r.Context(), accountID, f, chunk)
		if err != nil {
			return nil, err
		}
		for i, n := range list {
			key := db.NotificationGroupKey(n, grouped)
			if !keys[key] && len(keys) == page.Limit {
				return append(raw, list[:i]...), nil
			}
			keys[key] = true
		}
		raw = append(raw, list...)
		// min_id pages forward from the oldest end: one read, no refill.
		if len(list) < chunk.Limit || page.MinID != 0 {
			break
		}
		chunk = db.Page{MaxID: list[len(list)-1].ID, SinceID: page.SinceID, Limit: page.Limit}
	}
	return raw, nil
}

func (h *Handlers) getNotificationGroup(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:notifications")
	if !ok {
		return nil
	}
	members, err := h.DB.NotificationsInGroup(r.Context(), a.Account.ID, chi.URLParam(r, "group_key"), 1)
	if err != nil {
		return err
	}
	groups, err := h.DB.GroupNotifications(r.Context(), a.Account.ID, members, db.DefaultGroupedTypes)
	if err != nil {
		return err
	}
	out, err := h.present.GroupedNotifications(r.Context(), a.Account.ID, groups)
	if err != nil {
		return err
	}
	if len(out.NotificationGroups) == 0 {
		return db.ErrNotFound
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// notificationGroupAccounts lists who is behind a group, newest first.
func (h *Handlers) notificationGroupAccounts(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:notifications")
	if !ok {
		return nil
	}
	members, err := h.DB.NotificationsInGroup(r.Context(), a.Account.ID, chi.URLParam(r, "group_key"), 80)
	if err != nil {
		return err
	}
	if len(members) == 0 {
		return db.ErrNotFound
	}
	var ids []int64
	for _, n := range members {
		if !slices.Contains(ids, n.FromAccountID) {
			ids = append(ids, n.FromAccountID)
		}
	}
	byID, err := h.DB.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	ordered := make([]*db.Account, 0, len(ids))
	for _, id := range ids {
		if acct := byID[id]; acct != nil {
			ordered = append(ordered, acct)
		}
	}
	render.JSON(w, http.StatusOK, h.present.Accounts(r.Context(), ordered))
	return nil
}

func (h *Handlers) dismissNotificationGroup(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:notifications")
	if !ok {
		return nil
	}
	if err := h.DB.DismissNotificationGroup(r.Context(), a.Account.ID, chi.URLParam(r, "group_key")); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// unreadNotificationGroups counts the groups with notifications newer than
// the notifications marker, up to limit.
func (h *Handlers) unreadNotificationGroups(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "read:notifications")
	if !ok {
		return nil
	}
	q, err := h.readUnreadQuery(r, a.Account.ID)
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	if !q.none {
		grouped := groupedTypes(q.params)
		list, err := h.DB.Notifications(r.Context(), a.Account.ID, q.filter, db.Page{SinceID: q.after, Limit: 4 * q.limit})
		if err != nil {
			return err
		}
		for _, n := range list {
			if len(keys) < q.limit {
				keys[db.NotificationGroupKey(n, grouped)] = true
			}
		}
	}
	render.JSON(w, http.StatusOK, map[string]int{"count": len(keys)})
	return nil
}
