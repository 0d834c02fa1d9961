package activitypub

import (
	"context"
	"errors"
	"time"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Reblog boosts a status as a local account (the local entry of Announce)
// with the visibility asked for, at most as wide as the post's. Boosting
// again returns the existing boost.
func (e *Engine) Reblog(ctx context.Context, actor *db.Account, statusID int64, visibility db.Visibility) (*db.Status, error) {
	orig, err := e.db.StatusByID(ctx, statusID, db.ViewerOf(actor.ID))
	if err != nil {
		return nil, err
	}
	if orig.ReblogOfID != nil {
		if orig, err = e.db.StatusByIDAny(ctx, *orig.ReblogOfID); err != nil {
			return nil, err
		}
	}
	if existing, err := e.db.ReblogBy(ctx, actor.ID, orig.ID); err == nil {
		if err := e.mayBoost(ctx, actor, orig); err != nil {
			return nil, err
		}
		existing.ReblogOf = orig
		return existing, nil
	}
	if actor.IsBrand {
		if err := e.mayBoost(ctx, actor, orig); err != nil {
			return nil, err
		}
		if err := e.gate(ctx, actor, targetChange(db.DraftBoost, orig, db.ScheduledParams{Visibility: visibility})); err != nil {
			return nil, err
		}
	}
	actID := e.db.NewID()
	s := &db.Status{
		ID: actID, URI: e.activityURI(actor, actID), URL: orig.URL, AccountID: actor.ID, Local: true,
		Visibility: visibility, ReblogOfID: &orig.ID, Account: actor, ReblogOf: orig,
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := e.announce(ctx, tx, actor, s); err != nil {
			return err
		}
		inboxes, err := e.statusInboxes(ctx, actor, s.Visibility, nil, orig.Account)
		if err != nil {
			return err
		}
		return e.record(ctx, tx, actor, actID, e.announceOf(actor, s, orig), &s.ID, inboxes)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Unreblog removes actor's boost of a status (the local entry of Undo
// Announce); nil when there was none.
func (e *Engine) Unreblog(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	boost, err := e.db.ReblogBy(ctx, actor.ID, statusID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return e.undoReblog(ctx, actor, boost)
}

// undoReblog takes a local account's boost back and sends the Undo to
// everyone who got the Announce.
func (e *Engine) undoReblog(ctx context.Context, actor *db.Account, boost *db.Status) (*db.Status, error) {
	orig, err := e.db.StatusByIDAny(ctx, *boost.ReblogOfID)
	if err != nil {
		return nil, err
	}
	inboxes, err := e.statusInboxes(ctx, actor, boost.Visibility, nil, orig.Account)
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := e.unannounce(ctx, tx, actor, boost, orig); err != nil {
			return err
		}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, e.announceOf(actor, boost, orig))
		return e.record(ctx, tx, actor, actID, undo, nil, inboxes)
	})
	if err != nil {
		return nil, err
	}
	return boost, nil
}

// announceOf renders a boost as an Announce.
func (e *Engine) announceOf(actor *db.Account, boost, orig *db.Status) *vocab.Object {
	ann := vocab.NewAnnounce(boost.URI, actor.URI, orig.URI)
	ann.To, ann.Cc = addressing(actor, boost.Visibility, []string{orig.Account.URI})
	ann.Published = boost.CreatedAt.UTC()
	return ann
}

// applyAnnounce is the remote entry of Announce. A boost of a post we do
// not have is fetched only when someone here follows the booster.
func (e *Engine) applyAnnounce(ctx context.Context, ic *inboxContext) error {
	if _, err := e.db.StatusByURI(ctx, ic.act.ID); err == nil {
		return nil
	}
	objID := ic.act.Object.ID()
	if objID == "" {
		return permanent(errors.New("announce without object"))
	}
	orig, err := e.db.StatusByURI(ctx, objID)
	if errors.Is(err, db.ErrNotFound) {
		follows, ferr := e.db.HasLocalFollowers(ctx, ic.actor.ID)
		if ferr != nil {
			return ferr
		}
		if !follows {
			return errIgnored
		}
		orig, err = e.fetchStatus(ctx, objID, 0)
	}
	if err != nil {
		return err
	}
	at := ic.act.Published
	if at.IsZero() || at.After(time.Now()) {
		at = time.Now()
	}
	s := &db.Status{ID: e.db.IDs().At(at), URI: ic.act.ID, URL: orig.URL, AccountID: ic.actor.ID,
		Visibility: visibilityOf(ic.act, ic.actor.FollowersURI), ReblogOfID: &orig.ID, CreatedAt: at.UTC(),
		Account: ic.actor, ReblogOf: orig}
	if s.URI == "" {
		s.URI = ic.actor.URI + "#announces/" + db.FormatID(orig.ID)
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		err := e.announce(ctx, tx, ic.actor, s)
		if errors.Is(err, db.ErrConflict) {
			return nil // stored meanwhile
		}
		return err
	})
}

// undoAnnounce is the remote entry of Undo Announce (and of a Delete of
// the Announce).
func (e *Engine) undoAnnounce(ctx context.Context, ic *inboxContext, boost *db.Status) error {
	orig, err := e.db.StatusByIDAny(ctx, *boost.ReblogOfID)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error { return e.unannounce(ctx, tx, ic.actor, boost, orig) })
}

// mayBoost is who may boost what, the same for local and remote actors (as
// Mastodon decides it): the actor must see the post; nobody boosts a
// direct post or a boost; a followers-only post only its author, to the
// same followers.
func (e *Engine) mayBoost(ctx context.Context, actor *db.Account, orig *db.Status) error {
	if orig.ReblogOfID != nil {
		return ErrNotFound
	}
	if err := e.canSee(ctx, actor, orig); err != nil {
		return err
	}
	if orig.Visibility == db.Direct || orig.Visibility == db.Private && orig.AccountID != actor.ID {
		return ErrForbidden
	}
	return nil
}

// boostVisibility is the visibility of a boost asked for as v: never wider
// than the post's, and a direct boost reaches the followers.
func boostVisibility(v, orig db.Visibility) db.Visibility {
	v = max(v, orig)
	if v == db.Direct {
		v = db.Private
	}
	return v
}

// announce is the Announce rule: actor boosts boost.ReblogOf if mayBoost
// allows it; the boost is stored, a local author is notified, listeners
// hear of the new boost. A boost whose URI is taken is db.ErrConflict.
func (e *Engine) announce(ctx context.Context, tx *db.Tx, actor *db.Account, boost *db.Status) error {
	orig := boost.ReblogOf
	if err := e.mayBoost(ctx, actor, orig); err != nil {
		return err
	}
	boost.Visibility = boostVisibility(boost.Visibility, orig.Visibility)
	if err := tx.InsertStatus(ctx, db.NewStatus{Status: boost}); err != nil {
		return err
	}
	if err := e.auditBrand(ctx, tx, actor, "status.reblog", &orig.ID, "boost of "+acctOf(orig.Account)+"'s "+orig.URI); err != nil {
		return err
	}
	e.statusCreated(tx, boost) // before the notification: clients get the status first
	n := &db.Notification{AccountID: orig.AccountID, Type: db.NotifyReblog, FromAccountID: actor.ID, StatusID: &orig.ID}
	return e.notify(ctx, tx, n)
}

// unannounce is the Undo Announce rule: actor's own boost goes, with the
// author's notification of it.
func (e *Engine) unannounce(ctx context.Context, tx *db.Tx, actor *db.Account, boost, orig *db.Status) error {
	if boost.AccountID != actor.ID || boost.ReblogOfID == nil || *boost.ReblogOfID != orig.ID {
		return ErrNotFound
	}
	if err := tx.DeleteStatus(ctx, boost); err != nil {
		return err
	}
	if err := tx.DeleteNotifications(ctx, db.NotifyReblog, actor.ID, &orig.ID, orig.AccountID); err != nil {
		return err
	}
	if err := e.auditBrand(ctx, tx, actor, "status.unreblog", &orig.ID, "boost of "+acctOf(orig.Account)+"'s "+orig.URI); err != nil {
		return err
	}
	e.statusDeleted(tx, boost)
	return nil
}
