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

// Follow makes actor follow target (the local entry of Follow). A local
// target accepts at once unless its account is locked (then it is a
// follow request); a remote target gets a Follow and the follow stays
// pending until its Accept arrives. Following again changes only the
// options, and sends a pending remote Follow again in case it was lost.
func (e *Engine) Follow(ctx context.Context, actor, target *db.Account, o FollowOptions) (*db.Follow, error) {
	actID := e.db.NewID()
	f := &db.Follow{AccountID: actor.ID, TargetAccountID: target.ID, URI: e.activityURI(actor, actID),
		ShowReblogs: o.ShowReblogs, Notify: o.Notify, Languages: strings.Join(o.Languages, ",")}
	if existing, err := e.db.FollowBetween(ctx, actor.ID, target.ID); err == nil {
		f.URI = existing.URI // the Follow sent before
	} else if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	err := e.db.InTx(ctx, func(tx *db.Tx) error {
		created, err := e.follow(ctx, tx, actor, target, f)
		if err != nil {
			return err
		}
		follow := vocab.NewFollow(f.URI, actor.URI, target.URI)
		switch {
		case created:
			return e.record(ctx, tx, actor, actID, follow, nil, nonEmpty(personalInbox(target)))
		case !f.Accepted && !target.Local():
			return e.resend(ctx, tx, follow, personalInbox(target))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Unfollow ends actor's follow (or request) of target (the local entry of
// Undo Follow).
func (e *Engine) Unfollow(ctx context.Context, actor, target *db.Account) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		f, err := e.unfollow(ctx, tx, actor, target)
		if err != nil || f == nil || target.Local() {
			return err
		}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, vocab.NewFollow(f.URI, actor.URI, target.URI))
		return e.record(ctx, tx, actor, actID, undo, nil, nonEmpty(personalInbox(target)))
	})
}

// AuthorizeFollowRequest accepts follower's request to follow target, a
// local locked account (the local entry of Accept).
func (e *Engine) AuthorizeFollowRequest(ctx context.Context, target, follower *db.Account) error {
	f, err := e.db.FollowBetween(ctx, follower.ID, target.ID)
	if err != nil {
		return err
	}
	return e.db.InTx(ctx, func(tx *db.Tx) error { return e.acceptFollow(ctx, tx, f, follower, target) })
}

// RejectFollowRequest refuses follower's request to follow target.
func (e *Engine) RejectFollowRequest(ctx context.Context, target, follower *db.Account) error {
	return e.RemoveFromFollowers(ctx, target, follower)
}

// RemoveFromFollowers drops follower's follow (or request) of target (the
// local entry of Reject).
func (e *Engine) RemoveFromFollowers(ctx context.Context, target, follower *db.Account) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := e.rejectFollow(ctx, tx, follower, target)
		return err
	})
}

// answerFollow sends Accept or Reject of a remote follower's Follow (a
// local follower needs no message).
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

// applyFollow is the remote entry of Follow. A refused Follow (a block
// between the two) is answered with a Reject.
func (e *Engine) applyFollow(ctx context.Context, ic *inboxContext) error {
	target, err := e.localTarget(ctx, ic.act.Object.ID())
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		f := &db.Follow{AccountID: ic.actor.ID, TargetAccountID: target.ID, URI: ic.act.ID, ShowReblogs: true}
		_, err := e.follow(ctx, tx, ic.actor, target, f)
		if errors.Is(err, ErrForbidden) {
			return e.answerFollow(ctx, tx, "Reject", target, ic.actor, &db.Follow{URI: ic.act.ID})
		}
		return err
	})
}

// followOf finds the local follow an Accept, Reject or Undo refers to: by
// the Follow's id, or by actor and object when the Follow is embedded.
func (e *Engine) followOf(ctx context.Context, obj vocab.Ref, follower, target string) (*db.Follow, error) {
	if id := obj.ID(); id != "" {
		if f, err := e.db.FollowByURI(ctx, id); err == nil {
			return f, nil
		}
	}
	if inner := obj.First(); inner != nil {
		if a := inner.Actor.ID(); a != "" {
			follower = a
		}
		if o := inner.Object.ID(); o != "" {
			target = o
		}
	}
	accts, err := e.db.AccountsByURIs(ctx, []string{follower, target})
	if err != nil {
		return nil, err
	}
	if accts[follower] == nil || accts[target] == nil {
		return nil, permanent(ErrNotFound)
	}
	return e.db.FollowBetween(ctx, accts[follower].ID, accts[target].ID)
}

// applyAcceptReject is the remote entry of Accept and Reject of a Follow
// by a local account.
func (e *Engine) applyAcceptReject(ctx context.Context, ic *inboxContext, accept bool) error {
	inner := ic.act.Object.First()
	if inner != nil && !inner.Is("Follow") {
		return errIgnored
	}
	if inner == nil {
		// A bare id naming no Follow of ours: GoToSocial Accepts the replies,
		// likes and boosts its interaction policies approve this way
		// ({object: the reply's id, target: its post}).
		if _, err := e.db.FollowByURI(ctx, ic.act.Object.ID()); errors.Is(err, db.ErrNotFound) {
			return errIgnored
		} else if err != nil {
			return err
		}
	}
	f, err := e.followOf(ctx, ic.act.Object, "", ic.actor.URI)
	if err != nil {
		return err
	}
	if f.TargetAccountID != ic.actor.ID {
		return permanent(errors.New("only the followed account may answer a follow"))
	}
	follower, err := e.db.AccountByID(ctx, f.AccountID)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		if accept {
			return e.acceptFollow(ctx, tx, f, follower, ic.actor)
		}
		_, err := e.rejectFollow(ctx, tx, follower, ic.actor)
		return err
	})
}

// undoFollow is the remote entry of Undo Follow.
func (e *Engine) undoFollow(ctx context.Context, ic *inboxContext, f *db.Follow) error {
	target, err := e.db.AccountByID(ctx, f.TargetAccountID)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		_, err := e.unfollow(ctx, tx, ic.actor, target)
		return err
	})
}

// mayFollow is who may follow whom: nobody follows themselves, a suspended
// account or an instance actor, and nobody follows across a block (either
// way).
func (e *Engine) mayFollow(ctx context.Context, follower, target *db.Account) error {
	if follower.ID == target.ID || target.Suspended() || target.Username == InstanceActorUsername {
		return ErrForbidden
	}
	blocked, err := e.db.IsBlocked(ctx, follower.ID, target.ID)
	if err != nil {
		return err
	}
	if blocked {
		return ErrForbidden
	}
	return nil
}

// follow is the Follow rule: follower follows target, if mayFollow allows
// it, as f (stored back into f). A local target that is not locked accepts
// at once, and a remote follower is sent the Accept (again, for a repeated
// Follow: the peer may have lost state); a locked one gets a request; a
// remote target is pending until it answers. A new follow or request
// notifies a local target. It reports whether the follow is new.
func (e *Engine) follow(ctx context.Context, tx *db.Tx, follower, target *db.Account, f *db.Follow) (bool, error) {
	if err := e.mayFollow(ctx, follower, target); err != nil {
		return false, err
	}
	f.Accepted = target.Local() && !target.Locked
	created, err := tx.UpsertFollow(ctx, f)
	if err != nil {
		return false, err
	}
	action := "follow.update"
	if created {
		action = "follow"
	}
	if err := e.auditBrand(ctx, tx, follower, action, nil, acctOf(target)); err != nil {
		return false, err
	}
	if created {
		typ := db.NotifyFollow
		if !f.Accepted {
			typ = db.NotifyFollowRequest
		}
		if err := e.notify(ctx, tx, &db.Notification{AccountID: target.ID, Type: typ, FromAccountID: follower.ID}); err != nil {
			return false, err
		}
	}
	if f.Accepted {
		return created, e.answerFollow(ctx, tx, "Accept", target, follower, f)
	}
	return created, nil
}

// acceptFollow is the Accept rule: only the followed account accepts a
// follow. A local target's request notification becomes a follow
// notification, and a remote follower is sent the Accept.
func (e *Engine) acceptFollow(ctx context.Context, tx *db.Tx, f *db.Follow, follower, target *db.Account) error {
	if f.AccountID != follower.ID || f.TargetAccountID != target.ID {
		return ErrForbidden
	}
	if err := tx.AcceptFollow(ctx, f); err != nil {
		return err
	}
	if !target.Local() {
		return nil // a local account's follow accepted by its remote target
	}
	if err := e.auditBrand(ctx, tx, target, "follow_request.authorize", nil, acctOf(follower)); err != nil {
		return err
	}
	if err := tx.DeleteNotifications(ctx, db.NotifyFollowRequest, follower.ID, nil, target.ID); err != nil {
		return err
	}
	if err := e.notify(ctx, tx, &db.Notification{AccountID: target.ID, Type: db.NotifyFollow, FromAccountID: follower.ID}); err != nil {
		return err
	}
	return e.answerFollow(ctx, tx, "Accept", target, follower, f)
}

// rejectFollow is the Reject rule: the followed account refuses a request
// or ends a follow. The follow and the request's notification go; a remote
// follower is sent the Reject. It returns the follow, or nil when there
// was none.
func (e *Engine) rejectFollow(ctx context.Context, tx *db.Tx, follower, target *db.Account) (*db.Follow, error) {
	f, err := tx.DeleteFollow(ctx, follower.ID, target.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := tx.DeleteNotifications(ctx, db.NotifyFollowRequest, follower.ID, nil, target.ID); err != nil {
		return nil, err
	}
	action := "follower.remove"
	if !f.Accepted {
		action = "follow_request.reject"
	}
	if err := e.auditBrand(ctx, tx, target, action, nil, acctOf(follower)); err != nil {
		return nil, err
	}
	return f, e.answerFollow(ctx, tx, "Reject", target, follower, f)
}

// unfollow is the Undo Follow rule: the follower ends its follow or
// request; the target's notification of it goes too. It returns the
// follow, or nil when there was none.
func (e *Engine) unfollow(ctx context.Context, tx *db.Tx, follower, target *db.Account) (*db.Follow, error) {
	f, err := tx.DeleteFollow(ctx, follower.ID, target.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, typ := range []string{db.NotifyFollow, db.NotifyFollowRequest} {
		if err := tx.DeleteNotifications(ctx, typ, follower.ID, nil, target.ID); err != nil {
			return nil, err
		}
	}
	return f, e.auditBrand(ctx, tx, follower, "unfollow", nil, acctOf(target))
}
