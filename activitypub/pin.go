package activitypub

import (
	"context"
	"errors"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Pins ("featured" statuses): a local account's pins travel as Add and
// Remove of the status to the actor's featured collection, sent to its
// followers as Mastodon sends them; a remote actor's Add and Remove to its
// own featured collection update its pins here.

// MaxPinnedStatuses is how many statuses a local account may pin (Mastodon: 5).
const MaxPinnedStatuses = 5

// maxRemotePins bounds the pins kept of a remote account (as many as a
// featured collection shows here).
const maxRemotePins = 40

// Pin features one of a local account's own statuses on its profile (the
// local entry of Add). Pinning a pinned status changes nothing.
func (e *Engine) Pin(ctx context.Context, actor *db.Account, statusID int64) error {
	s, err := e.db.StatusByIDAny(ctx, statusID)
	if err != nil {
		return err
	}
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		added, err := e.pin(ctx, tx, actor, s)
		if err != nil || !added {
			return err
		}
		actID := e.db.NewID()
		return e.recordFeatured(ctx, tx, actor, s, vocab.NewAdd(e.activityURI(actor, actID), actor.URI, s.URI, actor.FeaturedURI), actID)
	})
}

// Unpin takes a status off a local account's profile (the local entry of
// Remove).
func (e *Engine) Unpin(ctx context.Context, actor *db.Account, statusID int64) error {
	s, err := e.db.StatusByIDAny(ctx, statusID)
	if err != nil {
		return err
	}
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		removed, err := e.unpin(ctx, tx, actor, s)
		if err != nil || !removed {
			return err
		}
		actID := e.db.NewID()
		return e.recordFeatured(ctx, tx, actor, s, vocab.NewRemove(e.activityURI(actor, actID), actor.URI, s.URI, actor.FeaturedURI), actID)
	})
}

// recordFeatured addresses an Add or Remove of s like s itself and sends
// it to the actor's followers; it is served to those who may see s.
func (e *Engine) recordFeatured(ctx context.Context, tx *db.Tx, actor *db.Account, s *db.Status, act *vocab.Object, actID int64) error {
	act.To, act.Cc = addressing(actor, s.Visibility, nil)
	inboxes, err := e.db.RemoteFollowerInboxes(ctx, actor.ID)
	if err != nil {
		return err
	}
	return e.record(ctx, tx, actor, actID, act, &s.ID, inboxes)
}

// applyAdd is the remote entry of Add: the actor pins one of its statuses.
func (e *Engine) applyAdd(ctx context.Context, ic *inboxContext) error {
	s, err := e.featuredStatus(ctx, ic, true)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		_, err := e.pin(ctx, tx, ic.actor, s)
		return err
	})
}

// applyRemove is the remote entry of Remove: the actor unpins a status.
func (e *Engine) applyRemove(ctx context.Context, ic *inboxContext) error {
	s, err := e.featuredStatus(ctx, ic, false)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		_, err := e.unpin(ctx, tx, ic.actor, s)
		return err
	})
}

// featuredStatus is the status an Add or Remove puts into or takes out of
// the actor's own featured collection. Other collections (featured tags,
// anyone else's) are not kept here. For an Add, a status we do not have is
// fetched when someone here follows the actor.
func (e *Engine) featuredStatus(ctx context.Context, ic *inboxContext, fetch bool) (*db.Status, error) {
	if target := ic.act.Target.ID(); target == "" || target != ic.actor.FeaturedURI {
		return nil, errIgnored
	}
	id := ic.act.Object.ID()
	if id == "" || !vocab.SameHost(id, ic.actor.URI) {
		return nil, permanent(errors.New("featured object missing or on another host than the actor"))
	}
	s, err := e.db.StatusByURI(ctx, id)
	if !errors.Is(err, db.ErrNotFound) {
		return s, err
	}
	if !fetch {
		return nil, errIgnored
	}
	follows, err := e.db.HasLocalFollowers(ctx, ic.actor.ID)
	if err != nil {
		return nil, err
	}
	if !follows {
		return nil, errIgnored
	}
	return e.fetchStatus(ctx, id, 0)
}

// pinLimit is how many statuses a may pin.
func pinLimit(a *db.Account) int {
	if a.Local() {
		return MaxPinnedStatuses
	}
	return maxRemotePins
}

// pin is the pin rule: an account features one of its own public or
// unlisted statuses (not a boost), up to pinLimit. It reports whether the
// pin is new.
func (e *Engine) pin(ctx context.Context, tx *db.Tx, actor *db.Account, s *db.Status) (bool, error) {
	switch {
	case s.ReblogOfID != nil:
		return false, &InputError{Msg: "A boost cannot be pinned"}
	case s.AccountID != actor.ID:
		return false, &InputError{Msg: "Someone else's post cannot be pinned"}
	case s.Visibility > db.Unlisted:
		return false, &InputError{Msg: "Only public and unlisted posts can be pinned"}
	}
	added, err := tx.PinStatus(ctx, actor.ID, s.ID, pinLimit(actor))
	if errors.Is(err, db.ErrPinLimit) {
		return false, &InputError{Msg: "You have already pinned the maximum number of posts"}
	}
	if err != nil || !added {
		return false, err
	}
	return true, e.auditBrand(ctx, tx, actor, "status.pin", &s.ID, auditExcerpt(s.Text, s.SpoilerText))
}

// unpin is the unpin rule: an account takes one of its pins off. It
// reports whether the status was pinned.
func (e *Engine) unpin(ctx context.Context, tx *db.Tx, actor *db.Account, s *db.Status) (bool, error) {
	removed, err := tx.UnpinStatus(ctx, actor.ID, s.ID)
	if err != nil || !removed {
		return false, err
	}
	return true, e.auditBrand(ctx, tx, actor, "status.unpin", &s.ID, auditExcerpt(s.Text, s.SpoilerText))
}
