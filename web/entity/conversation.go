package entity

import (
	"context"
	"errors"

	"github.com/kontor-social/kontor/db"
)

// Conversation is Mastodon's Conversation entity (a direct-message thread).
type Conversation struct {
	ID         string    `json:"id"`
	Unread     bool      `json:"unread"`
	Accounts   []Account `json:"accounts"`
	LastStatus *Status   `json:"last_status"`
}

// Conversations renders conversations for their owner: the other
// participants (the owner alone for a note to oneself), and the newest
// status of the thread the owner may see (conversations with none left
// are skipped).
func (p *Presenter) Conversations(ctx context.Context, owner *db.Account, list []*db.Conversation) ([]Conversation, error) {
	out := make([]Conversation, 0, len(list))
	if len(list) == 0 {
		return out, nil
	}
	last, err := p.lastStatuses(ctx, owner, list)
	if err != nil {
		return nil, err
	}
	var participants []int64
	for _, c := range list {
		participants = append(participants, c.ParticipantIDs...)
	}
	people, err := p.accountsByID(ctx, participants, true)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		s := last[c.ID]
		if s == nil {
			continue
		}
		e := Conversation{ID: db.FormatID(c.ID), Unread: c.Unread, Accounts: []Account{}, LastStatus: s}
		for _, id := range c.ParticipantIDs {
			if a, ok := people[id]; ok {
				e.Accounts = append(e.Accounts, a)
			}
		}
		if len(e.Accounts) == 0 {
			e.Accounts = append(e.Accounts, p.Account(ctx, owner)) // a note to oneself
		}
		out = append(out, e)
	}
	return out, nil
}

// lastStatuses renders, by conversation id, the newest status of each
// conversation's thread that the owner may see.
func (p *Presenter) lastStatuses(ctx context.Context, owner *db.Account, list []*db.Conversation) (map[int64]*Status, error) {
	var ids []int64
	for _, c := range list {
		if c.LastStatusID != nil {
			ids = append(ids, *c.LastStatusID)
		}
	}
	statuses, err := p.db.VisibleStatusesByIDs(ctx, ids, db.ViewerOf(owner.ID))
	if err != nil {
		return nil, err
	}
	last := make(map[int64]*db.Status, len(list)) // by conversation
	var toRender []*db.Status
	for _, c := range list {
		var s *db.Status
		if c.LastStatusID != nil {
			s = statuses[*c.LastStatusID]
		}
		if s == nil {
			// Its last status was deleted (or hidden since): the thread's
			// newest remaining one stands in.
			s, err = p.db.LatestDirectStatus(ctx, owner.ID, c.ThreadID)
			if errors.Is(err, db.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
		}
		last[c.ID] = s
		toRender = append(toRender, s)
	}
	rendered, err := p.Statuses(ctx, owner.ID, toRender)
	if err != nil {
		return nil, err
	}
	byStatus := statusesByID(rendered)
	out := make(map[int64]*Status, len(last))
	for convID, s := range last {
		if e := byStatus[s.ID]; e != nil {
			out[convID] = e
		}
	}
	return out, nil
}
