package activitypub

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
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
}

// Receive handles a POST to an inbox (recipient is nil for the shared
// inbox): it parses, refuses blocked domains, verifies the signature and
// checks that the signer speaks for the actor, then stores the activity
// durably. It returns nil when the caller may answer 202; the activity is
// applied in the background. Errors are *RejectError.
func (e *Engine) Receive(ctx context.Context, r *http.Request, body []byte, recipient *db.Account) error {
	act, err := vocab.Parse(body)
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
	res, err := signature.Verify(ctx, r, body, e.resolver, e.verifyOptions(true))
	if err != nil {
		// A deleted actor's farewell Delete cannot be verified (its key is
		// gone with it); if we never knew it there is nothing to delete.
		if act.Is("Delete") && act.Object.ID() == actor {
			if _, lookupErr := e.db.AccountByURI(ctx, actor); errors.Is(lookupErr, db.ErrNotFound) {
				return nil
			}
		}
		reason := "signature verification failed"
		var se *signature.Error
		if errors.As(err, &se) {
			reason = se.Reason
		}
		e.log.Info("inbox: refused signature", "actor", actor, "type", act.Type, "reason", reason, "err", err)
		return reject(http.StatusUnauthorized, "%s", reason)
	}
	if res.Owner != actor {
		// Forwarded activities are signed by the forwarder; only objects we
		// can re-fetch from their origin are accepted that way (apply does it).
		if !act.Is("Create", "Update", "Delete") {
			return reject(http.StatusUnauthorized, "signer %s may not speak for %s", res.Owner, actor)
		}
	}
	if e.DomainBlocked(ctx, vocab.Host(res.Owner)) {
		return reject(http.StatusForbidden, "domain blocked")
	}
	it := &db.InboxItem{ActivityURI: act.ID, Signer: res.Owner, Body: body}
	if recipient != nil {
		it.RecipientID = &recipient.ID
	}
	// With room in the workers' queue the item is leased to this process
	// and handed over in memory; without, it is stored due at once and the
	// workers fetch it from the table as soon as they are free.
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
	e.pending.Store(it.ID, &queuedItem{item: it, act: act})
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
			q := v.(*queuedItem)
			e.applyParsed(ctx, q.item, q.act)
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
	e.applyParsed(ctx, it, act)
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

func (e *Engine) applyParsed(ctx context.Context, it *db.InboxItem, act *vocab.Object) {
	ic := &inboxContext{item: it, act: act, signer: it.Signer}
	if it.RecipientID != nil {
		if a, err := e.db.AccountByID(ctx, *it.RecipientID); err == nil {
			ic.recipient = a
		}
	}
	err := e.apply(ctx, ic)
	var perm permanentError
	switch {
	case err == nil, errors.Is(err, errIgnored):
		if err != nil {
			e.log.Debug("inbox: ignored", "type", act.Type, "id", act.ID, "actor", act.Actor.ID())
		}
		if derr := e.db.DeleteInboxItem(ctx, it.ID); derr != nil && ctx.Err() == nil {
			e.log.Warn("inbox: delete item", "err", derr)
		}
	case errors.As(err, &perm) || errors.Is(err, db.ErrNotFound) || errors.Is(err, resolve.ErrSpoofed) ||
		errors.Is(err, resolve.ErrGone) || errors.Is(err, resolve.ErrNotFound) || it.Attempts+1 >= maxApplyAttempts:
		e.log.Info("inbox: dropped", "type", act.Type, "id", act.ID, "actor", act.Actor.ID(), "err", err)
		e.db.DeleteInboxItem(ctx, it.ID)
	default:
		if ctx.Err() != nil {
			return // shutting down: the lease brings it back after a restart
		}
		backoff := time.Duration(30<<min(it.Attempts, 10)) * time.Second
		backoff = backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		e.log.Warn("inbox: apply failed, will retry", "type", act.Type, "id", act.ID, "attempt", it.Attempts+1, "in", backoff, "err", err)
		e.db.RetryInboxItem(ctx, it.ID, time.Now().Add(backoff), err.Error())
	}
}

// inboxContext is one activity being applied.
type inboxContext struct {
	item      *db.InboxItem
	act       *vocab.Object
	signer    string      // verified key owner
	actor     *db.Account // resolved activity actor
	recipient *db.Account // for personal inboxes
}

// forwarded reports whether the activity was relayed by someone else.
func (ic *inboxContext) forwarded() bool { return ic.signer != ic.act.Actor.ID() }

func (e *Engine) apply(ctx context.Context, ic *inboxContext) error {
	act := ic.act
	actor, err := e.resolver.Actor(ctx, act.Actor.ID(), false)
	if err != nil {
		return err
	}
	if actor.Suspended() {
		return errIgnored
	}
	ic.actor = actor
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
	}
	return errIgnored
}

// seenTx runs fn in a transaction unless the activity was already applied.
func (e *Engine) seenTx(ctx context.Context, ic *inboxContext, fn func(tx *db.Tx) error) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		fresh, err := tx.MarkSeen(ctx, ic.act.ID)
		if err != nil {
			return err
		}
		if !fresh {
			return nil
		}
		return fn(tx)
	})
}

// localTarget returns the local account an activity's object names.
func (e *Engine) localTarget(ctx context.Context, uri string) (*db.Account, error) {
	name := e.urls.UsernameFromActor(uri)
	if name == "" {
		return nil, permanent(ErrNotFound)
	}
	a, err := e.db.LocalAccount(ctx, name)
	if err != nil {
		return nil, err
	}
	if a.Suspended() || a.Username == InstanceActorUsername {
		return nil, permanent(ErrNotFound)
	}
	return a, nil
}

func (e *Engine) applyFollow(ctx context.Context, ic *inboxContext) error {
	target, err := e.localTarget(ctx, ic.act.Object.ID())
	if err != nil {
		return err
	}
	blocked, err := e.db.IsBlocked(ctx, target.ID, ic.actor.ID)
	if err != nil {
		return err
	}
	var notes []*db.Notification
	err = e.seenTx(ctx, ic, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		if blocked {
			return e.answerFollow(ctx, tx, "Reject", target, ic.actor, &db.Follow{URI: ic.act.ID})
		}
		f := &db.Follow{AccountID: ic.actor.ID, TargetAccountID: target.ID, URI: ic.act.ID, ShowReblogs: true, Accepted: !target.Locked}
		created, err := tx.UpsertFollow(ctx, f)
		if err != nil {
			return err
		}
		if created {
			typ := db.NotifyFollow
			if !f.Accepted {
				typ = db.NotifyFollowRequest
			}
			n, err := tx.Notify(ctx, &db.Notification{AccountID: target.ID, Type: typ, FromAccountID: ic.actor.ID})
			if err != nil {
				return err
			}
			if n != nil {
				notes = append(notes, n)
			}
		}
		if f.Accepted {
			// Accept again on a repeated Follow: the peer may have lost state.
			return e.answerFollow(ctx, tx, "Accept", target, ic.actor, f)
		}
		return nil
	})
	for _, n := range notes {
		e.events.Notified(n)
	}
	return err
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
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		if accept {
			return tx.AcceptFollow(ctx, f)
		}
		_, err := tx.DeleteFollow(ctx, f.AccountID, f.TargetAccountID)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		return err
	})
}

func (e *Engine) applyUndo(ctx context.Context, ic *inboxContext) error {
	inner := ic.act.Object.First()
	innerID := ic.act.Object.ID()
	switch {
	case inner != nil && inner.Actor.ID() != "" && inner.Actor.ID() != ic.actor.URI:
		return permanent(errors.New("undo of someone else's activity"))
	case inner == nil || inner.Is("Follow"):
		f, err := e.followOf(ctx, ic.act.Object, ic.actor.URI, "")
		if err == nil && f.AccountID == ic.actor.ID {
			return e.seenTx(ctx, ic, func(tx *db.Tx) error {
				if _, err := tx.DeleteFollow(ctx, f.AccountID, f.TargetAccountID); err != nil && !errors.Is(err, db.ErrNotFound) {
					return err
				}
				if err := tx.DeleteNotifications(ctx, db.NotifyFollow, f.AccountID, nil, f.TargetAccountID); err != nil {
					return err
				}
				return tx.DeleteNotifications(ctx, db.NotifyFollowRequest, f.AccountID, nil, f.TargetAccountID)
			})
		}
		if inner != nil {
			return errIgnored
		}
	}
	if inner == nil || inner.Is("Like") {
		if fav, err := e.db.FavouriteByURI(ctx, innerID); err == nil && fav.AccountID == ic.actor.ID {
			return e.undoLike(ctx, ic, fav.StatusID)
		}
		if inner != nil {
			if s, err := e.db.StatusByURI(ctx, inner.Object.ID()); err == nil {
				return e.undoLike(ctx, ic, s.ID)
			}
			return errIgnored
		}
	}
	if inner == nil || inner.Is("Announce") {
		if boost, err := e.db.StatusByURI(ctx, innerID); err == nil && boost.AccountID == ic.actor.ID && boost.ReblogOfID != nil {
			return e.removeStatus(ctx, ic, boost)
		}
		if inner != nil {
			if orig, err := e.db.StatusByURI(ctx, inner.Object.ID()); err == nil {
				if boost, err := e.db.ReblogBy(ctx, ic.actor.ID, orig.ID); err == nil {
					return e.removeStatus(ctx, ic, boost)
				}
			}
			return errIgnored
		}
	}
	if inner != nil && inner.Is("Block") {
		target, err := e.localTarget(ctx, inner.Object.ID())
		if err != nil {
			return err
		}
		return e.seenTx(ctx, ic, func(tx *db.Tx) error { return tx.DeleteBlock(ctx, ic.actor.ID, target.ID) })
	}
	return errIgnored
}

func (e *Engine) undoLike(ctx context.Context, ic *inboxContext, statusID int64) error {
	s, err := e.db.StatusByIDAny(ctx, statusID)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		if _, err := tx.DeleteFavourite(ctx, ic.actor.ID, statusID); err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		return tx.DeleteNotifications(ctx, db.NotifyFavourite, ic.actor.ID, &statusID, s.AccountID)
	})
}

func (e *Engine) applyLike(ctx context.Context, ic *inboxContext) error {
	s, err := e.db.StatusByURI(ctx, ic.act.Object.ID())
	if err != nil {
		return errIgnored // a like of something we do not have
	}
	if s.ReblogOfID != nil {
		return errIgnored
	}
	if _, err := e.db.StatusByID(ctx, s.ID, db.ViewerOf(ic.actor.ID)); err != nil {
		return permanent(errors.New("like of a status the actor cannot see"))
	}
	var notes []*db.Notification
	err = e.seenTx(ctx, ic, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		created, err := tx.InsertFavourite(ctx, &db.Favourite{AccountID: ic.actor.ID, StatusID: s.ID, URI: ic.act.ID})
		if err != nil || !created || !s.Account.Local() {
			return err
		}
		n, err := tx.Notify(ctx, &db.Notification{AccountID: s.AccountID, Type: db.NotifyFavourite, FromAccountID: ic.actor.ID, StatusID: &s.ID})
		if n != nil {
			notes = append(notes, n)
		}
		return err
	})
	for _, n := range notes {
		e.events.Notified(n)
	}
	return err
}

// visibilityOf derives a remote object's visibility from its addressing.
func visibilityOf(o *vocab.Object, followers string) db.Visibility {
	switch {
	case hasPublic(o.To):
		return db.Public
	case hasPublic(o.Cc):
		return db.Unlisted
	case followers != "" && (o.To.Has(followers) || o.Cc.Has(followers)):
		return db.Private
	}
	for _, r := range append(append([]string{}, o.To...), o.Cc...) {
		if strings.HasSuffix(r, "/followers") {
			return db.Private
		}
	}
	return db.Direct
}

func hasPublic(list vocab.IRIs) bool {
	for _, r := range list {
		if vocab.IsPublic(r) {
			return true
		}
	}
	return false
}

func (e *Engine) applyAnnounce(ctx context.Context, ic *inboxContext) error {
	if existing, err := e.db.StatusByURI(ctx, ic.act.ID); err == nil && existing != nil {
		return nil
	}
	objID := ic.act.Object.ID()
	if objID == "" {
		return permanent(errors.New("announce without object"))
	}
	orig, err := e.db.StatusByURI(ctx, objID)
	if errors.Is(err, db.ErrNotFound) {
		// Boosts of unknown posts are worth fetching only for someone here.
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
	if orig.ReblogOfID != nil || orig.Visibility > db.Unlisted {
		return permanent(errors.New("announce of a private status"))
	}
	v := visibilityOf(ic.act, ic.actor.FollowersURI)
	if v == db.Direct {
		v = db.Private
	}
	at := ic.act.Published
	if at.IsZero() || at.After(time.Now()) {
		at = time.Now()
	}
	s := &db.Status{ID: e.db.IDs().At(at), URI: ic.act.ID, URL: orig.URL, AccountID: ic.actor.ID,
		Visibility: v, ReblogOfID: &orig.ID, CreatedAt: at.UTC(), Account: ic.actor, ReblogOf: orig}
	if s.URI == "" {
		s.URI = ic.actor.URI + "#announces/" + db.FormatID(orig.ID)
	}
	var notes []*db.Notification
	err = e.seenTx(ctx, ic, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		if err := tx.InsertStatus(ctx, db.NewStatus{Status: s}); err != nil {
			if errors.Is(err, db.ErrConflict) {
				return nil
			}
			return err
		}
		if orig.Account.Local() {
			n, err := tx.Notify(ctx, &db.Notification{AccountID: orig.AccountID, Type: db.NotifyReblog, FromAccountID: ic.actor.ID, StatusID: &orig.ID})
			if err != nil {
				return err
			}
			if n != nil {
				notes = append(notes, n)
			}
		}
		return nil
	})
	if err == nil {
		e.events.StatusCreated(s)
		for _, n := range notes {
			e.events.Notified(n)
		}
	}
	return err
}

func (e *Engine) applyBlock(ctx context.Context, ic *inboxContext) error {
	target, err := e.localTarget(ctx, ic.act.Object.ID())
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		return tx.InsertBlock(ctx, &db.Block{AccountID: ic.actor.ID, TargetAccountID: target.ID, URI: ic.act.ID})
	})
}

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
