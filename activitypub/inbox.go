package activitypub

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/kontor-social/kontor/activitypub/resolve"
	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// inboxLease is how long an inbox item stays with the process that received
// it before the background worker may pick it up (after a crash).
const inboxLease = 2 * time.Minute

// maxApplyAttempts bounds retries of an activity whose apply keeps failing
// for transient reasons (the origin is down while we fetch a parent …).
const maxApplyAttempts = 8

// queuedItem is a received activity on its way to an inbox worker.
type queuedItem struct {
	item *db.InboxItem
	act  *vocab.Object
	// signer is the account checking the signature stored (a new or
	// refetched key owner), else nil; the apply takes it for the actor's
	// only when it is the actor's.
	signer *db.Account
}

// Receive handles a POST to an inbox (recipient is nil for the shared
// inbox): it parses, refuses blocked domains, verifies the signature and
// checks that the signer speaks for the actor, then stores the activity
// durably. It returns nil when the caller may answer 202; the activity is
// applied in the background. Errors are *RejectError.
func (e *Engine) Receive(ctx context.Context, r *http.Request, body []byte, recipient *db.Account) (err error) {
	activityType := "other"
	defer func() {
		outcome := "accepted"
		if err != nil {
			outcome = "rejected"
		}
		e.opts.Metrics.InboxReceived(activityType, outcome)
	}()
	act, err := vocab.Parse(body)
	if act != nil {
		activityType = act.Type
	}
	if err != nil {
		return reject(http.StatusBadRequest, "invalid activity: %v", err)
	}
	actor := act.Actor.ID()
	if actor == "" {
		return reject(http.StatusBadRequest, "activity has no actor")
	}
	if !vocab.ValidID(actor) || e.urls.IsLocal(actor) {
		return reject(http.StatusBadRequest, "invalid actor")
	}
	if act.ID != "" && !vocab.SameHost(act.ID, actor) {
		return reject(http.StatusBadRequest, "activity id and actor are on different hosts")
	}
	if e.DomainBlocked(ctx, vocab.Host(actor)) {
		return reject(http.StatusForbidden, "domain blocked")
	}
	verifyCtx, storedSigner := resolve.NoteStoredActor(ctx)
	owner, err := e.verifySigner(verifyCtx, r, body, act)
	if err != nil || owner == "" {
		return err
	}
	it := &db.InboxItem{ActivityURI: act.ID, Signer: owner, Body: body}
	if recipient != nil {
		it.RecipientID = &recipient.ID
	}
	return e.enqueue(ctx, &queuedItem{item: it, act: act, signer: storedSigner()})
}

// verifySigner verifies the signature of an inbox POST and returns its
// signer, who must be the activity's actor (or relay a Create, Update or
// Delete that apply re-fetches from its origin). "" without an error: a
// farewell Delete of an actor we never knew, accepted and dropped.
func (e *Engine) verifySigner(ctx context.Context, r *http.Request, body []byte, act *vocab.Object) (string, error) {
	actor := act.Actor.ID()
	res, err := signature.Verify(ctx, r, body, e.resolver, e.verifyOptions(true))
	if err != nil {
		// A deleted actor's farewell Delete cannot be verified (its key is
		// gone with it); if we never knew it there is nothing to delete.
		if act.Is("Delete") && act.Object.ID() == actor {
			if _, lookupErr := e.db.AccountByURI(ctx, actor); errors.Is(lookupErr, db.ErrNotFound) {
				return "", nil
			}
		}
		reason := "signature verification failed"
		var se *signature.Error
		if errors.As(err, &se) {
			reason = se.Reason
		}
		e.log.Info("inbox: refused signature", "actor", actor, "type", act.Type, "reason", reason, "err", err)
		return "", reject(http.StatusUnauthorized, "%s", reason)
	}
	if res.Owner != actor && !act.Is("Create", "Update", "Delete") {
		return "", reject(http.StatusUnauthorized, "signer %s may not speak for %s", res.Owner, actor)
	}
	if e.DomainBlocked(ctx, vocab.Host(res.Owner)) {
		return "", reject(http.StatusForbidden, "domain blocked")
	}
	return res.Owner, nil
}

// enqueue stores a verified activity durably and hands it to a worker.
// With room in the workers' queue the item is leased to this process and
// handed over in memory; without, it is stored due at once and the
// workers fetch it from the table as soon as they are free.
func (e *Engine) enqueue(ctx context.Context, q *queuedItem) error {
	it := q.item
	lease := time.Duration(0)
	if len(e.inbox) < cap(e.inbox) {
		lease = inboxLease
	}
	if err := e.db.InsertInboxItem(ctx, it, lease); err != nil {
		return err
	}
	if lease == 0 {
		e.signalBacklog()
		return nil
	}
	e.pending.Store(it.ID, q)
	select {
	case e.inbox <- it.ID:
	default:
		// The queue filled up meanwhile: release the lease so it is due.
		e.pending.Delete(it.ID)
		if err := e.db.ReleaseInboxItem(ctx, it.ID); err != nil {
			e.log.Warn("inbox: release item", "err", err)
		}
		e.signalBacklog()
	}
	return nil
}

// signalBacklog tells a free worker that due items wait in the table.
func (e *Engine) signalBacklog() {
	select {
	case e.backlog <- struct{}{}:
	default:
	}
}

// backlogBatch is how many stored items a worker claims at a time.
const backlogBatch = 16

// inboxWorker applies received activities: those handed over in memory,
// and those waiting in the table when the in-memory queue overflowed (or a
// process died holding them).
func (e *Engine) inboxWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-e.inbox:
			v, ok := e.pending.LoadAndDelete(id)
			if !ok {
				continue
			}
			e.applyParsed(ctx, v.(*queuedItem))
		case <-e.backlog:
			items, err := e.db.ClaimInboxItems(ctx, backlogBatch, inboxLease)
			if err != nil {
				if ctx.Err() == nil {
					e.log.Warn("inbox: claim backlog", "err", err)
				}
				continue
			}
			if len(items) == backlogBatch {
				e.signalBacklog() // more may wait: let another worker help
			}
			for _, it := range items {
				e.applyItem(ctx, it)
			}
		}
	}
}

// applyItem applies a stored item (picked up after a lease ran out).
func (e *Engine) applyItem(ctx context.Context, it *db.InboxItem) {
	act, err := vocab.Parse(it.Body)
	if err != nil {
		e.log.Warn("inbox: unparsable stored item dropped", "id", it.ID, "err", err)
		e.db.DeleteInboxItem(ctx, it.ID)
		return
	}
	e.applyParsed(ctx, &queuedItem{item: it, act: act})
}

// permanentError marks an apply failure that retrying will not fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

func permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// errIgnored is an activity we do not keep (addressed to nobody here …).
var errIgnored = errors.New("ignored")

func (e *Engine) applyParsed(ctx context.Context, q *queuedItem) {
	it, act := q.item, q.act
	ic := &inboxContext{item: it, act: act, signer: it.Signer}
	if q.signer != nil && q.signer.URI == act.Actor.ID() {
		// Stored by the signature check moments ago: not read again.
		ic.actor = q.signer
	}
	err := e.apply(ctx, ic)
	var perm permanentError
	switch {
	case err == nil, errors.Is(err, errIgnored):
		if err != nil {
			e.opts.Metrics.InboxApplied(act.Type, "ignored")
			e.log.Debug("inbox: ignored", "type", act.Type, "id", act.ID, "actor", act.Actor.ID())
		} else {
			e.opts.Metrics.InboxApplied(act.Type, "applied")
		}
		if ic.itemDeleted {
			return // with the activity's effects, by its committer
		}
		if derr := e.db.DeleteInboxItem(ctx, it.ID); derr != nil && ctx.Err() == nil {
			e.log.Warn("inbox: delete item", "err", derr)
		}
	case errors.As(err, &perm) || refused(err) || errors.Is(err, resolve.ErrSpoofed) ||
		errors.Is(err, resolve.ErrGone) || errors.Is(err, resolve.ErrNotFound) || it.Attempts+1 >= maxApplyAttempts:
		e.opts.Metrics.InboxApplied(act.Type, "dropped")
		e.log.Info("inbox: dropped", "type", act.Type, "id", act.ID, "actor", act.Actor.ID(), "err", err)
		e.db.DeleteInboxItem(ctx, it.ID)
	default:
		if ctx.Err() != nil {
			return // shutting down: the lease brings it back after a restart
		}
		e.opts.Metrics.InboxApplied(act.Type, "retry")
		backoff := time.Duration(30<<min(it.Attempts, 10)) * time.Second
		backoff = backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		e.log.Warn("inbox: apply failed, will retry", "type", act.Type, "id", act.ID, "attempt", it.Attempts+1, "in", backoff, "err", err)
		e.db.RetryInboxItem(ctx, it.ID, time.Now().Add(backoff), err.Error())
	}
}

// refused reports whether an apply step refused the activity by its rule
// (the actor may not see the object, may not do this, or sent bad input):
// trying again changes nothing.
func refused(err error) bool {
	var inErr *InputError
	return errors.Is(err, db.ErrNotFound) || errors.Is(err, ErrForbidden) || errors.As(err, &inErr)
}

// inboxContext is one activity being applied.
type inboxContext struct {
	item   *db.InboxItem
	act    *vocab.Object
	signer string      // verified key owner
	actor  *db.Account // resolved activity actor
	// itemDeleted: the item's row went in the transaction that applied it.
	itemDeleted bool
}

// forwarded reports whether the activity was relayed by someone else.
func (ic *inboxContext) forwarded() bool { return ic.signer != ic.act.Actor.ID() }

func (e *Engine) apply(ctx context.Context, ic *inboxContext) error {
	act := ic.act
	if ic.actor == nil {
		actor, err := e.resolver.Actor(ctx, act.Actor.ID(), false)
		if err != nil {
			return err
		}
		ic.actor = actor
	}
	if ic.actor.Suspended() {
		return errIgnored
	}
	switch {
	case act.Is("Create"):
		return e.applyCreate(ctx, ic)
	case act.Is("Update"):
		return e.applyUpdate(ctx, ic)
	case act.Is("Delete"):
		return e.applyDelete(ctx, ic)
	case act.Is("Follow"):
		return e.applyFollow(ctx, ic)
	case act.Is("Accept"):
		return e.applyAcceptReject(ctx, ic, true)
	case act.Is("Reject"):
		return e.applyAcceptReject(ctx, ic, false)
	case act.Is("Undo"):
		return e.applyUndo(ctx, ic)
	case act.Is("Like"):
		return e.applyLike(ctx, ic)
	case act.Is("Announce"):
		return e.applyAnnounce(ctx, ic)
	case act.Is("Block"):
		return e.applyBlock(ctx, ic)
	case act.Is("Move"):
		return e.applyMove(ctx, ic)
	case act.Is("Flag"):
		return e.applyFlag(ctx, ic)
	case act.Is("Add"):
		return e.applyAdd(ctx, ic)
	case act.Is("Remove"):
		return e.applyRemove(ctx, ic)
	}
	return errIgnored
}

// localTarget returns the local account an activity's object names.
func (e *Engine) localTarget(ctx context.Context, uri string) (*db.Account, error) {
	name := e.urls.UsernameFromActor(uri)
	if name == "" {
		return nil, permanent(ErrNotFound)
	}
	a, err := e.db.LocalActor(ctx, name)
	if err != nil {
		return nil, err
	}
	if a.Suspended() || a.Username == InstanceActorUsername {
		return nil, permanent(ErrNotFound)
	}
	return a, nil
}

// applyUndo routes an Undo to the un-apply step of its family (unfollow,
// unlike, unannounce, unblock), which the local Unfollow, Unfavourite,
// Unreblog and Unblock use too. The undone activity may be embedded or
// only named by its id.
func (e *Engine) applyUndo(ctx context.Context, ic *inboxContext) error {
	inner := ic.act.Object.First()
	if inner != nil && inner.Actor.ID() != "" && inner.Actor.ID() != ic.actor.URI {
		return permanent(errors.New("undo of someone else's activity"))
	}
	id := ic.act.Object.ID()
	if inner == nil || inner.Is("Follow") {
		if f, err := e.followOf(ctx, ic.act.Object, ic.actor.URI, ""); err == nil && f.AccountID == ic.actor.ID {
			return e.undoFollow(ctx, ic, f)
		}
	}
	if inner == nil || inner.Is("Like") {
		if fav, err := e.db.FavouriteByURI(ctx, id); err == nil && fav.AccountID == ic.actor.ID {
			return e.undoLike(ctx, ic, fav.StatusID)
		}
		if inner != nil {
			if s, err := e.db.StatusByURI(ctx, inner.Object.ID()); err == nil {
				return e.undoLike(ctx, ic, s.ID)
			}
		}
	}
	if inner == nil || inner.Is("Announce") {
		if boost := e.boostOf(ctx, ic.actor, id, inner); boost != nil {
			return e.undoAnnounce(ctx, ic, boost)
		}
	}
	if inner != nil && inner.Is("Block") {
		return e.undoBlock(ctx, ic, inner.Object.ID())
	}
	return errIgnored
}

// boostOf finds actor's boost an Undo names: by the Announce's id, or by
// the boosted status of the embedded Announce.
func (e *Engine) boostOf(ctx context.Context, actor *db.Account, id string, inner *vocab.Object) *db.Status {
	if boost, err := e.db.StatusByURI(ctx, id); err == nil && boost.AccountID == actor.ID && boost.ReblogOfID != nil {
		return boost
	}
	if inner == nil {
		return nil
	}
	orig, err := e.db.StatusByURI(ctx, inner.Object.ID())
	if err != nil {
		return nil
	}
	boost, err := e.db.ReblogBy(ctx, actor.ID, orig.ID)
	if err != nil {
		return nil
	}
	return boost
}
