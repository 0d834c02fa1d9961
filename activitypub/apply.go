package activitypub

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// The apply step. Each activity family has one file (create.go, update.go,
// delete.go, like.go, announce.go, follow.go, block.go, flag.go, move.go,
// pin.go, profile.go) holding its local entry (Favourite, Reblog … called by
// the API, the web pages and the CLI for an authenticated local account),
// its remote entry (applyLike, applyAnnounce … called by the inbox worker
// for a verified remote actor) and ONE function between them (like,
// announce …) that checks the rule, writes the rows, notifies and registers
// the streaming events. The entries differ only in how they learn who acts
// and in addressing and delivery (record, for local actions), so a Like
// from an app and a Like from a peer end as the same row, the same
// notification and the same event.
//
// The shared functions run inside the caller's transaction and register
// what listeners must hear with tx.AfterCommit: a transaction that is run
// again gets a fresh *db.Tx, so nothing from a failed attempt is told.
// Callbacks run in the order registered: a status event is registered
// before the notifications about it, which clients expect to follow it.
// Their refusals are ErrNotFound (the actor cannot see the object),
// ErrForbidden and *InputError; the API answers them 404, 403 and 422, the
// inbox drops the activity for good.

// notify stores a notification in tx and tells listeners about it once tx
// commits. A notification that is not stored (the recipient is remote,
// blocks or mutes the sender, or has it already) is no error.
func (e *Engine) notify(ctx context.Context, tx *db.Tx, n *db.Notification) error {
	stored, err := tx.Notify(ctx, n)
	if err != nil || stored == nil {
		return err
	}
	tx.AfterCommit(func() {
		e.events.Notified(stored)
		e.wakePush()
	})
	return nil
}

// statusCreated tells listeners about a new status or boost after commit.
func (e *Engine) statusCreated(tx *db.Tx, s *db.Status) {
	tx.AfterCommit(func() { e.events.StatusCreated(s) })
}

// statusUpdated tells listeners about an edit after commit.
func (e *Engine) statusUpdated(tx *db.Tx, s *db.Status) {
	tx.AfterCommit(func() { e.events.StatusUpdated(s) })
}

// statusDeleted tells listeners about a removed status or boost after commit.
func (e *Engine) statusDeleted(tx *db.Tx, s *db.Status) {
	tx.AfterCommit(func() { e.events.StatusDeleted(s) })
}

// canSee is where every interaction with a status starts: the actor, local
// or remote, must be able to see it by the one visibility rule of db.
func (e *Engine) canSee(ctx context.Context, actor *db.Account, s *db.Status) error {
	_, err := e.db.StatusByID(ctx, s.ID, db.ViewerOf(actor.ID))
	return err
}
