package activitypub

import "github.com/kontor-social/kontor/db"

// Events receives what listeners (streaming, caches) must hear about,
// after the change is committed. Implementations must not block: they get
// called on the request or inbox path.
type Events interface {
	// StatusCreated: a new status or boost was stored (local or remote).
	StatusCreated(s *db.Status)
	// StatusUpdated: a status was edited.
	StatusUpdated(s *db.Status)
	// StatusDeleted: a status (or boost) was removed.
	StatusDeleted(s *db.Status)
	// Notified: a local account got a notification.
	Notified(n *db.Notification)
}

// NopEvents ignores everything.
type NopEvents struct{}

// StatusCreated does nothing.
func (NopEvents) StatusCreated(*db.Status) {}

// StatusUpdated does nothing.
func (NopEvents) StatusUpdated(*db.Status) {}

// StatusDeleted does nothing.
func (NopEvents) StatusDeleted(*db.Status) {}

// Notified does nothing.
func (NopEvents) Notified(*db.Notification) {}
