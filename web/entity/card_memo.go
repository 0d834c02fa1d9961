package entity

import (
	"strings"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub/cards"
	"github.com/kontor-social/kontor/db"
)

const (
	// cardMemoEntries bounds the memo; a full memo starts over.
	cardMemoEntries = 20_000
	// cardMemoTTL bounds how long a fact is trusted: a slow card worker
	// whose lease ran out may still attach a card after another gave the
	// fetch up, without touching the status row.
	cardMemoTTL = time.Minute
)

// cardMemo remembers, per status, which card it shows, with the updated_at
// of the row it was learned from: most posts never get a card, and the
// others keep theirs, so a page would otherwise ask again on every request.
// The key is the status row's updated_at, which every page reads afresh,
// not an invalidation: a status's card changes only with its row (the
// fetch is queued in the transaction that writes the status or its edit,
// and ends done or failed for good; db.CardStates), so the memo holds
// across processes without being told anything (cardMemoTTL covers the
// one race that can attach a card to a given-up fetch). Only which card is
// remembered: the card itself is read on each page (a refetch of a URL
// rewrites its card in place). Visibility is not its business: it is
// consulted only for statuses the query already returned.
type cardMemo struct {
	mu    sync.Mutex
	facts map[int64]cardFact
}

// cardFact is what is known of a status's card as of its updated_at.
type cardFact struct {
	updated time.Time
	at      time.Time // when it was learned
	final   bool      // the fetch is over (or there is none): cardID is what it shows
	cardID  int64     // 0: no card
}

// get returns what is known of s, as read.
func (m *cardMemo) get(s *db.Status) (cardFact, bool) {
	m.mu.Lock()
	f, ok := m.facts[s.ID]
	m.mu.Unlock()
	return f, ok && f.updated.Equal(s.UpdatedAt) && time.Since(f.at) < cardMemoTTL
}

// put records what is known of s, as read.
func (m *cardMemo) put(s *db.Status, f cardFact) {
	f.updated, f.at = s.UpdatedAt, time.Now()
	m.mu.Lock()
	if m.facts == nil || len(m.facts) >= cardMemoEntries {
		m.facts = make(map[int64]cardFact)
	}
	m.facts[s.ID] = f
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
