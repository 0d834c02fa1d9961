package activitypub

import (
	"context"
	"errors"

	"github.com/kontor-social/kontor/activitypub/resolve"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// DeleteStatus deletes a local account's status (the local entry of
// Delete; a boost is undone instead) and sends the Delete to everyone who
// got it. It returns the status as it was, with its source text (for
// delete-and-redraft).
func (e *Engine) DeleteStatus(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	s, err := e.db.StatusByIDAny(ctx, statusID)
	if err != nil {
		return nil, err
	}
	if s.AccountID != actor.ID {
		return nil, ErrNotFound
	}
	if err := e.gate(ctx, actor, targetChange(db.DraftDelete, s, db.ScheduledParams{})); err != nil {
		return nil, err
	}
	if s.ReblogOfID != nil {
		return e.undoReblog(ctx, actor, s)
	}
	mentioned, err := e.db.StatusMentions(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	inboxes, err := e.statusInboxes(ctx, actor, s.Visibility, mentioned)
	if err != nil {
		return nil, err
	}
	if s.Visibility != db.Direct {
		interacted, err := e.db.InteractedInboxes(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		inboxes = append(inboxes, interacted...)
	}
	mentionURIs := make([]string, 0, len(mentioned))
	for _, a := range mentioned {
		mentionURIs = append(mentionURIs, a.URI)
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := e.deleteStatus(ctx, tx, actor, s); err != nil {
			return err
		}
		actID := e.db.NewID()
		del := vocab.NewDelete(e.activityURI(actor, actID), actor.URI, s.URI)
		del.To, del.Cc = addressing(actor, s.Visibility, mentionURIs)
		return e.record(ctx, tx, actor, actID, del, nil, inboxes)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// applyDelete is the remote entry of Delete: of the actor itself (see
// applyActorDelete), of a status, of a boost (an undone Announce), or of
// something we never had (a tombstone keeps it from arriving later).
func (e *Engine) applyDelete(ctx context.Context, ic *inboxContext) error {
	id := ic.act.Object.ID()
	if id == "" {
		return permanent(errors.New("delete without object"))
	}
	if id == ic.actor.URI {
		return e.applyActorDelete(ctx, ic)
	}
	if !vocab.SameHost(id, ic.actor.URI) {
		return permanent(errors.New("delete of an object on another host"))
	}
	if ic.forwarded() {
		// Believe a relayed Delete only if the origin says the object is gone.
		if _, err := e.resolver.Object(ctx, id); !errors.Is(err, resolve.ErrGone) && !errors.Is(err, resolve.ErrNotFound) {
			return permanent(errors.New("forwarded delete of an object that still exists"))
		}
	}
	s, err := e.db.StatusByURI(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return e.seenTx(ctx, ic, func(tx *db.Tx) error { return tx.InsertTombstone(ctx, id, ic.actor.ID) })
	}
	if err != nil {
		return err
	}
	if s.ReblogOfID != nil {
		return e.undoAnnounce(ctx, ic, s)
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error { return e.deleteStatus(ctx, tx, ic.actor, s) })
}

// deleteStatus is the Delete rule: only its author deletes a status (not a
// boost: see unannounce). It goes with its boosts, likes and
// notifications; a tombstone keeps its URI from coming back; listeners
// hear of it.
func (e *Engine) deleteStatus(ctx context.Context, tx *db.Tx, actor *db.Account, s *db.Status) error {
	if s.AccountID != actor.ID || s.ReblogOfID != nil {
		return ErrNotFound
	}
	if err := tx.DeleteStatus(ctx, s); err != nil {
		return err
	}
	if err := e.auditBrand(ctx, tx, actor, statusAction(s.Visibility, "delete"), &s.ID, auditExcerpt(s.Text, s.SpoilerText)); err != nil {
		return err
	}
	e.statusDeleted(tx, s)
	return nil
}
