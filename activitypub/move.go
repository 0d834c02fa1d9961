package activitypub

import (
	"context"
	"errors"
	"slices"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// ErrNotAliased: a move to an account that does not list the moving one in
// its alsoKnownAs (the new account must claim the old one first).
var ErrNotAliased = &InputError{Field: "moved_to_uri", Msg: "the target account does not list this account in its aliases (alsoKnownAs)"}

// MoveAccount moves a local account to the account at targetURI (the local
// entry of Move): the target, fetched afresh, must list a in alsoKnownAs.
// a's followers are sent the Move; its local followers follow the target
// at once. A moved account cannot move again.
func (e *Engine) MoveAccount(ctx context.Context, a *db.Account, targetURI string) (*db.Account, error) {
	if a.MovedToAccountID != nil {
		return nil, &InputError{Field: "moved_to_uri", Msg: "this account has already moved"}
	}
	target, err := e.moveTarget(ctx, targetURI)
	if err != nil {
		return nil, err
	}
	if target.ID == a.ID || !slices.Contains(target.AlsoKnownAs, a.URI) {
		return nil, ErrNotAliased
	}
	inboxes, err := e.db.RemoteFollowerInboxes(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	follows, err := e.db.LocalFollowsOf(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		actID := e.db.NewID()
		move := vocab.NewMove(e.activityURI(a, actID), a.URI, target.URI)
		move.To = vocab.IRIs{a.FollowersURI}
		if err := e.record(ctx, tx, a, actID, move, nil, inboxes); err != nil {
			return err
		}
		return e.move(ctx, tx, a, target, follows)
	})
	if err != nil {
		return nil, err
	}
	return target, nil
}

// moveTarget finds the account a Move goes to: a local one from the store,
// a remote one fetched now, never from a stored copy or the Move's body,
// so that its alsoKnownAs is the one it publishes.
func (e *Engine) moveTarget(ctx context.Context, uri string) (*db.Account, error) {
	if !vocab.ValidID(uri) {
		return nil, &InputError{Field: "moved_to_uri", Msg: "is not an account URL"}
	}
	if e.urls.UsernameFromActor(uri) != "" {
		a, err := e.db.AccountByURI(ctx, uri)
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	a, _, err := e.resolver.FetchActor(ctx, uri)
	return a, err
}

// applyMove is the remote entry of Move: an actor moved to another account
// that lists it in alsoKnownAs (fetched afresh, not taken from the body).
func (e *Engine) applyMove(ctx context.Context, ic *inboxContext) error {
	if ic.act.Object.ID() != ic.actor.URI {
		return permanent(errors.New("move of another actor"))
	}
	targetURI := ic.act.Target.ID()
	if targetURI == "" {
		return permanent(errors.New("move without target"))
	}
	target, err := e.moveTarget(ctx, targetURI)
	if err != nil {
		return err
	}
	if target.ID == ic.actor.ID || !slices.Contains(target.AlsoKnownAs, ic.actor.URI) {
		return permanent(errors.New("move target does not list the old actor in alsoKnownAs"))
	}
	follows, err := e.db.LocalFollowsOf(ctx, ic.actor.ID)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error { return e.move(ctx, tx, ic.actor, target, follows) })
}

// move is the Move rule: old is shown as moved to target, and every local
// follower of old follows target (with the same options, by the Follow
// rule, so a block between them leaves that follow out), stops following
// old, and is notified (type move, from old).
func (e *Engine) move(ctx context.Context, tx *db.Tx, old, target *db.Account, follows []db.FollowerOf) error {
	if err := tx.SetMovedTo(ctx, old.ID, target.ID); err != nil {
		return err
	}
	for _, fo := range follows {
		follower := fo.Follower
		if follower.ID == target.ID {
			continue
		}
		actID := e.db.NewID()
		f := &db.Follow{AccountID: follower.ID, TargetAccountID: target.ID, URI: e.activityURI(follower, actID),
			ShowReblogs: fo.Follow.ShowReblogs, Notify: fo.Follow.Notify, Languages: fo.Follow.Languages}
		if existing, err := tx.FollowBetween(ctx, follower.ID, target.ID); err == nil {
			f.URI = existing.URI
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		created, err := e.follow(ctx, tx, follower, target, f)
		switch {
		case errors.Is(err, ErrForbidden):
		case err != nil:
			return err
		case created:
			follow := vocab.NewFollow(f.URI, follower.URI, target.URI)
			if err := e.record(ctx, tx, follower, actID, follow, nil, nonEmpty(personalInbox(target))); err != nil {
				return err
			}
		}
		if err := e.moveUnfollow(ctx, tx, follower, old); err != nil {
			return err
		}
		if err := e.notify(ctx, tx, &db.Notification{AccountID: follower.ID, Type: db.NotifyMove, FromAccountID: old.ID}); err != nil {
			return err
		}
	}
	return nil
}

// moveUnfollow ends follower's follow of the old account, telling a remote
// one with an Undo, as Unfollow does.
func (e *Engine) moveUnfollow(ctx context.Context, tx *db.Tx, follower, old *db.Account) error {
	f, err := e.unfollow(ctx, tx, follower, old)
	if err != nil || f == nil || old.Local() {
		return err
	}
	actID := e.db.NewID()
	undo := vocab.NewUndo(e.activityURI(follower, actID), follower.URI, vocab.NewFollow(f.URI, follower.URI, old.URI))
	return e.record(ctx, tx, follower, actID, undo, nil, nonEmpty(personalInbox(old)))
}

// maxAliases bounds alsoKnownAs (Mastodon allows a handful of aliases).
const maxAliases = 10

// SetAliases stores the accounts a local account says it also is (the
// first step of a move to it) and publishes the changed actor.
func (e *Engine) SetAliases(ctx context.Context, a *db.Account, uris []string) error {
	if len(uris) > maxAliases {
		return &InputError{Field: "also_known_as_uris", Msg: "has too many entries (at most 10)"}
	}
	clean := []string{}
	for _, u := range uris {
		if !vocab.ValidID(u) {
			return &InputError{Field: "also_known_as_uris", Msg: "contains something that is not an account URL"}
		}
		if u == a.URI {
			return &InputError{Field: "also_known_as_uris", Msg: "must not contain the account itself"}
		}
		if !slices.Contains(clean, u) {
			clean = append(clean, u)
		}
	}
	if err := e.db.SetAlsoKnownAs(ctx, a.ID, clean); err != nil {
		return err
	}
	a.AlsoKnownAs = clean
	return e.PublishProfile(ctx, a)
}
