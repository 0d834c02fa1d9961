package entity

import (
	"strings"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub/cards"
	"github.com/kontor-social/kontor/db"
)

// cardlessEntries bounds the memo; a full memo starts over.
const cardlessEntries = 20_000

// cardlessMemo remembers the statuses known to show no preview card, each
// with the updated_at of the row it was learned from: most posts never get
// one, and a page would otherwise ask for their cards on every request.
// The key is the status row's updated_at, which every page reads afresh,
// not an invalidation: a status's card changes only with its row (the
// fetch is queued in the transaction that writes the status or its edit,
// and a failed fetch is final; db.PageCards), so the memo holds across
// processes without being told anything. Visibility is not its business:
// it is consulted only for statuses the query already returned.
type cardlessMemo struct {
	mu      sync.Mutex
	updated map[int64]time.Time
}

// known reports whether s, as read, is known to show no card.
func (m *cardlessMemo) known(s *db.Status) bool {
	m.mu.Lock()
	at, ok := m.updated[s.ID]
	m.mu.Unlock()
	return ok && at.Equal(s.UpdatedAt)
}

// remember records that s, as read, shows no card.
func (m *cardlessMemo) remember(s *db.Status) {
	m.mu.Lock()
	if m.updated == nil || len(m.updated) >= cardlessEntries {
		m.updated = make(map[int64]time.Time)
	}
	m.updated[s.ID] = s.UpdatedAt
	m.mu.Unlock()
}

// mayHaveCard reports whether s can have a preview card: the engine queues
// one only for a link of its text (activitypub.cardLink, again on every
// edit), so a status whose text links nothing has none. Media and polls
// are not checked here: a false "may" costs only the query.
func mayHaveCard(s *db.Status) bool {
	if s.ReblogOfID != nil || !(strings.Contains(s.Content, "<a") || strings.Contains(s.Content, "<A")) {
		return false
	}
	return cards.FirstLink(s.Content, nil) != ""
}
