package entity

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// NotificationGroup is Mastodon's NotificationGroup entity (grouped
// notifications, API v2).
type NotificationGroup struct {
	GroupKey                 string   `json:"group_key"`
	NotificationsCount       int      `json:"notifications_count"`
	Type                     string   `json:"type"`
	MostRecentNotificationID string   `json:"most_recent_notification_id"`
	PageMinID                string   `json:"page_min_id,omitempty"`
	PageMaxID                string   `json:"page_max_id,omitempty"`
	LatestPageNotificationAt string   `json:"latest_page_notification_at,omitempty"`
	SampleAccountIDs         []string `json:"sample_account_ids"`
	StatusID                 *string  `json:"status_id,omitempty"`
}

// GroupedNotifications is the envelope of /api/v2/notifications: each
// account and status once, the groups referring to them by id.
type GroupedNotifications struct {
	Accounts           []Account           `json:"accounts"`
	Statuses           []Status            `json:"statuses"`
	NotificationGroups []NotificationGroup `json:"notification_groups"`
}

// GroupedNotifications renders groups for their recipient. As with
// Notifications, a group whose status the recipient may not see (or a
// "hide" filter removes) is left out, and so is one whose senders are gone.
func (p *Presenter) GroupedNotifications(ctx context.Context, viewer int64, groups []*db.NotificationGroup) (GroupedNotifications, error) {
	out := GroupedNotifications{Accounts: []Account{}, Statuses: []Status{}, NotificationGroups: []NotificationGroup{}}
	var latest []*db.Notification
	var senders []int64
	for _, g := range groups {
		latest = append(latest, g.Latest)
		senders = append(senders, g.SampleAccountIDs...)
	}
	accounts, err := p.accountsByID(ctx, senders, false)
	if err != nil {
		return out, err
	}
	statuses, err := p.notificationStatuses(ctx, viewer, latest)
	if err != nil {
		return out, err
	}
	seenAccount, seenStatus := map[int64]bool{}, map[int64]bool{}
	for _, g := range groups {
		e := NotificationGroup{GroupKey: g.Key, NotificationsCount: g.Count, Type: g.Type,
			MostRecentNotificationID: db.FormatID(g.Latest.ID), SampleAccountIDs: []string{}}
		if g.PageMaxID != 0 {
			e.PageMinID, e.PageMaxID = db.FormatID(g.PageMinID), db.FormatID(g.PageMaxID)
			e.LatestPageNotificationAt = Time(g.LatestPageAt)
		}
		for _, id := range g.SampleAccountIDs {
			if a, ok := accounts[id]; ok {
				e.SampleAccountIDs = append(e.SampleAccountIDs, a.ID)
				if !seenAccount[id] {
					seenAccount[id] = true
					out.Accounts = append(out.Accounts, a)
				}
			}
		}
		if len(e.SampleAccountIDs) == 0 {
			continue
		}
		if g.StatusID != nil {
			s := statuses[*g.StatusID]
			if s == nil {
				continue
			}
			e.StatusID = &s.ID
			if !seenStatus[*g.StatusID] {
				seenStatus[*g.StatusID] = true
				out.Statuses = append(out.Statuses, *s)
			}
		}
		out.NotificationGroups = append(out.NotificationGroups, e)
	}
	return out, nil
}
