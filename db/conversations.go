package db

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// ConversationRef is a participant's conversation row for a thread of
// direct messages.
type ConversationRef struct {
	ID             int64
	Unread         bool
	ParticipantIDs []int64 // the others
}

// ConversationOf returns an account's conversation row for a thread
// (ErrNotFound if it has none).
func (d *DB) ConversationOf(ctx context.Context, accountID, threadID int64) (*ConversationRef, error) {
	var row struct {
		ID           int64  `bun:"id"`
		Unread       bool   `bun:"unread"`
		Participants string `bun:"participant_ids"`
	}
	err := d.r.NewRaw("SELECT id, unread, participant_ids FROM conversations WHERE account_id = ? AND thread_id = ?",
		accountID, threadID).Scan(ctx, &row)
	if err != nil {
		return nil, notFound(err)
	}
	c := &ConversationRef{ID: row.ID, Unread: row.Unread}
	if err := json.Unmarshal([]byte(row.Participants), &c.ParticipantIDs); err != nil {
		return nil, fmt.Errorf("db: conversation participants: %w", err)
	}
	return c, nil
}

// Conversation is a direct-message thread as one local participant sees it.
type Conversation struct {
	bun.BaseModel `bun:"table:conversations,alias:cv"`

	ID             int64     `bun:"id,pk"`
	AccountID      int64     `bun:"account_id"`
	ThreadID       int64     `bun:"thread_id"`
	ParticipantIDs []int64   `bun:"participant_ids,type:text"` // the others
	LastStatusID   *int64    `bun:"last_status_id"`
	Unread         bool      `bun:"unread"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// RecordConversation files a newly stored direct status into the
// conversations of its local participants (the author and the mentioned
// accounts, less those in a block with the author): each gets or updates
// its row for the thread, unread for everyone but the author. Other
// statuses are left alone, so the engine may call it for every status.
func (t *Tx) RecordConversation(ctx context.Context, s *Status, mentions []Mention) error {
	if s.Visibility != Direct || s.ReblogOfID != nil {
		return nil
	}
	participants := []int64{s.AccountID}
	for _, m := range mentions {
		if !slices.Contains(participants, m.AccountID) {
			participants = append(participants, m.AccountID)
		}
	}
	var locals []int64
	err := t.tx.NewSelect().Model((*Account)(nil)).Column("a.id").
		Where("a.id IN (?) AND a.domain = '' AND a.suspended_at IS NULL", bun.List(participants)).
		Where("(a.id = ? OR NOT EXISTS (SELECT 1 FROM blocks cb WHERE (cb.account_id = a.id AND cb.target_account_id = ?) OR (cb.account_id = ? AND cb.target_account_id = a.id)))",
			s.AccountID, s.AccountID, s.AccountID).
		Scan(ctx, &locals)
	if err != nil {
		return fmt.Errorf("db: conversation participants: %w", err)
	}
	ts := now()
	for _, local := range locals {
		others := make([]int64, 0, len(participants))
		for _, id := range participants {
			if id != local {
				others = append(others, id)
			}
		}
		c := &Conversation{ID: t.d.NewID(), AccountID: local, ThreadID: s.ThreadID, ParticipantIDs: others,
			LastStatusID: &s.ID, Unread: local != s.AccountID, UpdatedAt: ts}
		res, err := t.tx.NewInsert().Model(c).On("CONFLICT (account_id, thread_id) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: insert conversation: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			continue
		}
		existing := new(Conversation)
		if err := t.tx.NewSelect().Model(existing).Where("account_id = ? AND thread_id = ?", local, s.ThreadID).Scan(ctx); err != nil {
			return fmt.Errorf("db: conversation: %w", err)
		}
		for _, id := range others {
			if !slices.Contains(existing.ParticipantIDs, id) {
				existing.ParticipantIDs = append(existing.ParticipantIDs, id)
			}
		}
		if existing.LastStatusID == nil || *existing.LastStatusID <= s.ID {
			existing.LastStatusID, existing.Unread = &s.ID, local != s.AccountID
		}
		existing.UpdatedAt = ts
		if _, err := t.tx.NewUpdate().Model(existing).Column("participant_ids", "last_status_id", "unread", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("db: update conversation: %w", err)
		}
	}
	return nil
}

// Conversations lists accountID's conversations, paged by their last
// status (the most recently active first).
func (d *DB) Conversations(ctx context.Context, accountID int64, p Page) ([]*Conversation, error) {
	var list []*Conversation
	q := d.r.NewSelect().Model(&list).Where("cv.account_id = ? AND cv.last_status_id IS NOT NULL", accountID)
	if err := p.apply(q, "cv.last_status_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: conversations: %w", err)
	}
	return newestFirst(p, list), nil
}

// ConversationByID returns one of accountID's conversations.
func (d *DB) ConversationByID(ctx context.Context, accountID, id int64) (*Conversation, error) {
	c := new(Conversation)
	err := d.r.NewSelect().Model(c).Where("cv.id = ? AND cv.account_id = ?", id, accountID).Scan(ctx)
	return c, notFound(err)
}

// MarkConversationRead clears a conversation's unread flag.
func (d *DB) MarkConversationRead(ctx context.Context, accountID, id int64) error {
	res, err := d.w.NewUpdate().Model((*Conversation)(nil)).Set("unread = FALSE").
		Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	return exactlyOne(res, err, "read conversation")
}

// DeleteConversation removes a conversation from accountID's list (the
// statuses stay; a new message brings it back).
func (d *DB) DeleteConversation(ctx context.Context, accountID, id int64) error {
	res, err := d.w.NewDelete().Model((*Conversation)(nil)).Where("id = ? AND account_id = ?", id, accountID).Exec(ctx)
	return exactlyOne(res, err, "delete conversation")
}

// LatestDirectStatus returns the newest direct status of a thread that
// viewer may see (a conversation whose last status was deleted).
func (d *DB) LatestDirectStatus(ctx context.Context, viewer, threadID int64) (*Status, error) {
	s := new(Status)
	q := d.r.NewSelect().Model(s).Relation("Account").Where("s.thread_id = ? AND s.visibility = ? AND s.reblog_of_id IS NULL", threadID, Direct)
	err := whereVisible(q, "s", ViewerOf(viewer)).OrderExpr("s.id DESC").Limit(1).Scan(ctx)
	return s, notFound(err)
}
