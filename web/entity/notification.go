package entity

import (
	"context"
	"slices"

	"github.com/kontor-social/kontor/db"
)

// Notification is Mastodon's Notification entity.
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	GroupKey  string  `json:"group_key"`
	CreatedAt string  `json:"created_at"`
	Account   Account `json:"account"`
	Status    *Status `json:"status,omitempty"`
	// Report is the report of an admin.report notification.
	Report *AdminReport `json:"report,omitempty"`
}

// Notifications renders notifications for their recipient with a fixed
// number of queries: senders in one batch, statuses in one batch (rendered
// in the "notifications" filter context). A notification whose status the
// recipient may not see, or that a "hide" filter removes, is left out.
func (p *Presenter) Notifications(ctx context.Context, viewer int64, list []*db.Notification) ([]Notification, error) {
	out := make([]Notification, 0, len(list))
	if len(list) == 0 {
		return out, nil
	}
	senders, err := p.notificationSenders(ctx, list)
	if err != nil {
		return nil, err
	}
	statuses, err := p.notificationStatuses(ctx, viewer, list)
	if err != nil {
		return nil, err
	}
	for _, n := range list {
		from, ok := senders[n.FromAccountID]
		if !ok {
			continue
		}
		e := Notification{ID: db.FormatID(n.ID), Type: n.Type, GroupKey: db.NotificationGroupKey(n, db.DefaultGroupedTypes),
			CreatedAt: Time(n.CreatedAt), Account: from}
		if n.StatusID != nil {
			if e.Status = statuses[*n.StatusID]; e.Status == nil {
				continue
			}
		}
		if n.ReportID != nil {
			if e.Report = p.notificationReport(ctx, viewer, *n.ReportID); e.Report == nil {
				continue
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// notificationSenders renders the accounts notifications come from, by id.
func (p *Presenter) notificationSenders(ctx context.Context, list []*db.Notification) (map[int64]Account, error) {
	ids := make([]int64, 0, len(list))
	for _, n := range list {
		ids = append(ids, n.FromAccountID)
	}
	return p.accountsByID(ctx, ids, false)
}

// accountsByID renders the accounts of ids that exist (without suspended
// ones when so asked), by id.
func (p *Presenter) accountsByID(ctx context.Context, ids []int64, skipSuspended bool) (map[int64]Account, error) {
	accounts, err := p.db.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	list := make([]*db.Account, 0, len(accounts))
	for _, a := range accounts {
		if !skipSuspended || !a.Suspended() {
			list = append(list, a)
		}
	}
	out := make(map[int64]Account, len(list))
	for i, e := range p.Accounts(ctx, list) {
		out[list[i].ID] = e
	}
	return out, nil
}

// notificationStatuses renders the statuses of notifications the viewer
// may see and no "hide" filter removes, by id.
func (p *Presenter) notificationStatuses(ctx context.Context, viewer int64, list []*db.Notification) (map[int64]*Status, error) {
	var ids []int64
	for _, n := range list {
		if n.StatusID != nil {
			ids = append(ids, *n.StatusID)
		}
	}
	found, err := p.db.VisibleStatusesByIDs(ctx, ids, db.ViewerOf(viewer))
	if err != nil {
		return nil, err
	}
	statuses := make([]*db.Status, 0, len(found))
	for _, id := range ids {
		if s := found[id]; s != nil && !slices.Contains(statuses, s) {
			statuses = append(statuses, s)
		}
	}
	rendered, err := p.StatusesIn(ctx, viewer, statuses, "notifications")
	if err != nil {
		return nil, err
	}
	return statusesByID(rendered), nil
}

// statusesByID indexes rendered statuses by their id.
func statusesByID(list []Status) map[int64]*Status {
	out := make(map[int64]*Status, len(list))
	for i := range list {
		if id, ok := db.ParseID(list[i].ID); ok {
			out[id] = &list[i]
		}
	}
	return out
}
