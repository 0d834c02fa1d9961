package activitypub

import (
	"context"
	"errors"
	"strings"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// FollowOptions are the per-follow settings of the Mastodon API.
type FollowOptions struct {
	ShowReblogs bool
	Notify      bool
	// Languages limits the statuses shown in the home timeline to these
	// ISO 639 codes (nil: all); stored comma-separated on the follow.
	Languages []string
}

// Follow makes actor follow target. A local target accepts at once unless
// its account is locked (then it is a follow request); a remote target gets
// a Follow and the follow stays pending until its Accept arrives.
func (e *Engine) Follow(ctx context.Context, actor, target *db.Account, o FollowOptions) (*db.Follow, error) {
	if actor.ID == target.ID || target.Suspended() || target.Username == InstanceActorUsername {
		return nil, ErrForbidden
	}
	if blocked, err := e.db.IsBlocked(ctx, actor.ID, target.ID); err != nil {
		return nil, err
	} else if blocked {
		return nil, ErrForbidden
	}
	existing, err := e.db.FollowBetween(ctx, actor.ID, target.ID)
	if err == nil {
		// Only the options change; a pending remote follow is sent again
		// in case the first Follow was lost.
		existing.ShowReblogs, existing.Notify, existing.Languages = o.ShowReblogs, o.Notify, strings.Join(o.Languages, ",")
		err := e.db.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.UpsertFollow(ctx, existing); err != nil {
				return err
			}
			if err := e.auditBrand(ctx, tx, actor, "follow.update", nil, acctOf(target)); err != nil {
				return err
			}
			if !existing.Accepted && !target.Local() {
				follow := vocab.NewFollow(existing.URI, actor.URI, target.URI)
				return e.resend(ctx, tx, actor, follow, personalInbox(target))
			}
			return nil
		})
		return existing, err
	}
	if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	actID := e.db.NewID()
	f := &db.Follow{AccountID: actor.ID, TargetAccountID: target.ID, URI: e.activityURI(actor, actID),
		ShowReblogs: o.ShowReblogs, Notify: o.Notify, Languages: strings.Join(o.Languages, ","), Accepted: target.Local() && !target.Locked}
	var notes []*db.Notification
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		if _, err := tx.UpsertFollow(ctx, f); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "follow", nil, acctOf(target)); err != nil {
			return err
		}
		if target.Local() {
			typ := db.NotifyFollow
			if !f.Accepted {
				typ = db.NotifyFollowRequest
			}
			n, err := tx.Notify(ctx, &db.Notification{AccountID: target.ID, Type: typ, FromAccountID: actor.ID})
			if err != nil {
				return err
			}
			if n != nil {
				notes = append(notes, n)
			}
		}
		follow := vocab.NewFollow(f.URI, actor.URI, target.URI)
		return e.record(ctx, tx, actor, actID, follow, nil, nonEmpty(personalInbox(target)))
	})
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		e.events.Notified(n)
	}
	return f, nil
}

// resend queues an already-recorded activity again (a repeated Follow).
func (e *Engine) resend(ctx context.Context, tx *db.Tx, actor *db.Account, act *vocab.Object, inbox string) error {
	stored, err := e.db.ActivityByURI(ctx, act.ID)
	if err != nil || inbox == "" {
		return nil // nothing stored to resend (or nowhere to send it)
	}
	n, err := tx.EnqueueDeliveries(ctx, stored.ID, []string{inbox}, nil)
	if err == nil && n > 0 {
		tx.AfterCommit(e.queue.Wake)
	}
	return err
}

// Unfollow ends actor's follow (or request) of target.
func (e *Engine) Unfollow(ctx context.Context, actor, target *db.Account) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		f, err := tx.DeleteFollow(ctx, actor.ID, target.ID)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "unfollow", nil, acctOf(target)); err != nil {
			return err
		}
		if target.Local() {
			return tx.DeleteNotifications(ctx, db.NotifyFollowRequest, actor.ID, nil, target.ID)
		}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, vocab.NewFollow(f.URI, actor.URI, target.URI))
		return e.record(ctx, tx, actor, actID, undo, nil, nonEmpty(personalInbox(target)))
	})
}

// AuthorizeFollowRequest accepts follower's request to follow target (a local, locked account).
func (e *Engine) AuthorizeFollowRequest(ctx context.Context, target, follower *db.Account) error {
	f, err := e.db.FollowBetween(ctx, follower.ID, target.ID)
	if err != nil {
		return err
	}
	var notes []*db.Notification
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		if err := tx.AcceptFollow(ctx, f); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, target, "follow_request.authorize", nil, acctOf(follower)); err != nil {
			return err
		}
		if err := tx.DeleteNotifications(ctx, db.NotifyFollowRequest, follower.ID, nil, target.ID); err != nil {
			return err
		}
		n, err := tx.Notify(ctx, &db.Notification{AccountID: target.ID, Type: db.NotifyFollow, FromAccountID: follower.ID})
		if err != nil {
			return err
		}
		if n != nil {
			notes = append(notes, n)
		}
		return e.answerFollow(ctx, tx, "Accept", target, follower, f)
	})
	for _, n := range notes {
		e.events.Notified(n)
	}
	return err
}

// RejectFollowRequest refuses follower's request to follow target.
func (e *Engine) RejectFollowRequest(ctx context.Context, target, follower *db.Account) error {
	return e.RemoveFromFollowers(ctx, target, follower)
}

// RemoveFromFollowers drops follower's follow (or request) of target and
// tells a remote follower with a Reject.
func (e *Engine) RemoveFromFollowers(ctx context.Context, target, follower *db.Account) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		f, err := tx.DeleteFollow(ctx, follower.ID, target.ID)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteNotifications(ctx, db.NotifyFollowRequest, follower.ID, nil, target.ID); err != nil {
			return err
		}
		action := "follower.remove"
		if !f.Accepted {
			action = "follow_request.reject"
		}
		if err := e.auditBrand(ctx, tx, target, action, nil, acctOf(follower)); err != nil {
			return err
		}
		return e.answerFollow(ctx, tx, "Reject", target, follower, f)
	})
}

// answerFollow sends Accept or Reject of a remote follower's Follow.
func (e *Engine) answerFollow(ctx context.Context, tx *db.Tx, typ string, target, follower *db.Account, f *db.Follow) error {
	if follower.Local() {
		return nil
	}
	uri := f.URI
	if uri == "" {
		uri = follower.URI + "#follows/" + db.FormatID(f.ID)
	}
	follow := vocab.NewFollow(uri, follower.URI, target.URI)
	actID := e.db.NewID()
	var act *vocab.Object
	if typ == "Accept" {
		act = vocab.NewAccept(e.activityURI(target, actID), target.URI, follow)
	} else {
		act = vocab.NewReject(e.activityURI(target, actID), target.URI, follow)
	}
	return e.record(ctx, tx, target, actID, act, nil, nonEmpty(personalInbox(follower)))
}

// Block makes actor block target: follows both ways end, and a remote
// target is told (peers then hide actor's content from target).
func (e *Engine) Block(ctx context.Context, actor, target *db.Account) error {
	if actor.ID == target.ID {
		return ErrForbidden
	}
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		actID := e.db.NewID()
		block := vocab.NewBlock(e.activityURI(actor, actID), actor.URI, target.URI)
		if err := tx.InsertBlock(ctx, &db.Block{AccountID: actor.ID, TargetAccountID: target.ID, URI: block.ID}); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "block", nil, acctOf(target)); err != nil {
			return err
		}
		return e.record(ctx, tx, actor, actID, block, nil, nonEmpty(personalInbox(target)))
	})
}

// Unblock lifts actor's block of target.
func (e *Engine) Unblock(ctx context.Context, actor, target *db.Account) error {
	blockURI, err := e.db.BlockURI(ctx, actor.ID, target.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.DeleteBlock(ctx, actor.ID, target.ID); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "unblock", nil, acctOf(target)); err != nil {
			return err
		}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, vocab.NewBlock(blockURI, actor.URI, target.URI))
		return e.record(ctx, tx, actor, actID, undo, nil, nonEmpty(personalInbox(target)))
	})
}

// PublishProfile sends an Update of a local account's actor to its
// followers (after the profile changed).
func (e *Engine) PublishProfile(ctx context.Context, a *db.Account) error {
	doc, err := e.RenderActor(ctx, a)
	if err != nil {
		return err
	}
	inboxes, err := e.db.RemoteFollowerInboxes(ctx, a.ID)
	if err != nil {
		return err
	}
	doc.To = vocab.IRIs{publicIRI}
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		if !actingFrom(ctx).profileRecorded {
			if err := e.auditBrand(ctx, tx, a, "profile.update", nil, ""); err != nil {
				return err
			}
		}
		actID := e.db.NewID()
		upd := vocab.NewUpdate(e.activityURI(a, actID), a.URI, doc)
		return e.record(ctx, tx, a, actID, upd, nil, inboxes)
	})
}
