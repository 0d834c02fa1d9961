package activitypub

import (
	"context"
	"errors"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Favourite likes a status as a local account (the local entry of Like)
// and sends the Like to a remote author. It returns the status as the
// actor now sees it.
func (e *Engine) Favourite(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	s, err := e.db.StatusByIDAny(ctx, statusID)
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		actID := e.db.NewID()
		like := vocab.NewLike(e.activityURI(actor, actID), actor.URI, s.URI)
		like.To = vocab.IRIs{s.Account.URI}
		created, err := e.like(ctx, tx, actor, s, like.ID)
		if err != nil || !created {
			return err
		}
		return e.record(ctx, tx, actor, actID, like, nil, nonEmpty(personalInbox(s.Account)))
	})
	if err != nil {
		return nil, err
	}
	return e.db.StatusByID(ctx, s.ID, db.ViewerOf(actor.ID))
}

// Unfavourite takes a like back (the local entry of Undo Like).
func (e *Engine) Unfavourite(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	s, err := e.db.StatusByID(ctx, statusID, db.ViewerOf(actor.ID))
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		fav, err := e.unlike(ctx, tx, actor, s)
		if err != nil || fav == nil {
			return err
		}
		like := vocab.NewLike(fav.URI, actor.URI, s.URI)
		like.To = vocab.IRIs{s.Account.URI}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, like)
		return e.record(ctx, tx, actor, actID, undo, nil, nonEmpty(personalInbox(s.Account)))
	})
	if err != nil {
		return nil, err
	}
	return e.db.StatusByID(ctx, s.ID, db.ViewerOf(actor.ID))
}

// applyLike is the remote entry of Like.
func (e *Engine) applyLike(ctx context.Context, ic *inboxContext) error {
	s, err := e.db.StatusByURI(ctx, ic.act.Object.ID())
	if errors.Is(err, db.ErrNotFound) {
		return errIgnored // a like of something we do not have
	}
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		_, err := e.like(ctx, tx, ic.actor, s, ic.act.ID)
		return err
	})
}

// undoLike is the remote entry of Undo Like.
func (e *Engine) undoLike(ctx context.Context, ic *inboxContext, statusID int64) error {
	s, err := e.db.StatusByIDAny(ctx, statusID)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		_, err := e.unlike(ctx, tx, ic.actor, s)
		return err
	})
}

// like is the Like rule: actor likes s, a status it can see (not a boost),
// as the activity uri; a local author is notified. It reports whether the
// like is new (liking twice changes nothing).
func (e *Engine) like(ctx context.Context, tx *db.Tx, actor *db.Account, s *db.Status, uri string) (bool, error) {
	if s.ReblogOfID != nil {
		return false, ErrNotFound
	}
	if err := e.canSee(ctx, actor, s); err != nil {
		return false, err
	}
	created, err := tx.InsertFavourite(ctx, &db.Favourite{AccountID: actor.ID, StatusID: s.ID, URI: uri})
	if err != nil || !created {
		return false, err
	}
	if err := e.auditBrand(ctx, tx, actor, "favourite", &s.ID, acctOf(s.Account)+"'s "+s.URI); err != nil {
		return false, err
	}
	n := &db.Notification{AccountID: s.AccountID, Type: db.NotifyFavourite, FromAccountID: actor.ID, StatusID: &s.ID}
	return true, e.notify(ctx, tx, n)
}

// unlike is the Undo Like rule: actor's like of s goes, with its
// notification. It returns the like, or nil when there was none.
func (e *Engine) unlike(ctx context.Context, tx *db.Tx, actor *db.Account, s *db.Status) (*db.Favourite, error) {
	fav, err := tx.DeleteFavourite(ctx, actor.ID, s.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := tx.DeleteNotifications(ctx, db.NotifyFavourite, actor.ID, &s.ID, s.AccountID); err != nil {
		return nil, err
	}
	return fav, e.auditBrand(ctx, tx, actor, "unfavourite", &s.ID, acctOf(s.Account)+"'s "+s.URI)
}
