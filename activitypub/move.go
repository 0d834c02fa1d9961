package activitypub

import (
	"context"
	"errors"
)

// applyMove is the remote entry of Move: an actor moved to another account
// that lists it in alsoKnownAs. Only the move is recorded (the profile
// says so); following the new account is left to each follower.
func (e *Engine) applyMove(ctx context.Context, ic *inboxContext) error {
	if ic.act.Object.ID() != ic.actor.URI {
		return permanent(errors.New("move of another actor"))
	}
	targetURI := ic.act.Target.ID()
	if targetURI == "" {
		return permanent(errors.New("move without target"))
	}
	target, err := e.resolver.Actor(ctx, targetURI, true)
	if err != nil {
		return err
	}
	aka := false
	for _, u := range target.AlsoKnownAs {
		if u == ic.actor.URI {
			aka = true
		}
	}
	if !aka {
		return permanent(errors.New("move target does not list the old actor in alsoKnownAs"))
	}
	return e.db.SetMovedTo(ctx, ic.actor.ID, target.ID)
}
