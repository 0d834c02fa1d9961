package activitypub

import (
	"context"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// The Outbox's bookkeeping: every local activity is recorded (served by
// its id, delivered through the queue) and addressed here; what each
// activity does to the store is in its family's file (see apply.go).

// record stores a local activity and queues its delivery to inboxes in the
// caller's transaction; workers are woken after commit.
func (e *Engine) record(ctx context.Context, tx *db.Tx, actor *db.Account, id int64, act *vocab.Object, statusID *int64, inboxes []string) error {
	body, err := marshal(act)
	if err != nil {
		return err
	}
	row := &db.Activity{ID: id, URI: act.ID, AccountID: actor.ID, Type: act.Type, ObjectURI: act.Object.ID(),
		StatusID: statusID, Body: body, Public: act.To.Has(publicIRI) || act.Cc.Has(publicIRI)}
	if err := tx.InsertActivity(ctx, row); err != nil {
		return err
	}
	n, err := tx.EnqueueDeliveries(ctx, id, e.federatingInboxes(ctx, inboxes), nil)
	if err != nil {
		return err
	}
	if n > 0 {
		tx.AfterCommit(e.queue.Wake)
	}
	return nil
}

// inboxOf is where to deliver to one remote account: its shared inbox when
// it has one, else its own. Local accounts have none (nothing to send).
func inboxOf(a *db.Account) string {
	if a == nil || a.Local() || a.Suspended() {
		return ""
	}
	if a.SharedInboxURI != "" {
		return a.SharedInboxURI
	}
	return a.InboxURI
}

// personalInbox is the account's own inbox (Follow, Block and other
// one-to-one activities go there, as Mastodon sends them).
func personalInbox(a *db.Account) string {
	if a == nil || a.Local() || a.Suspended() {
		return ""
	}
	if a.InboxURI != "" {
		return a.InboxURI
	}
	return a.SharedInboxURI
}

// statusInboxes collects the inboxes a status (or its edit or deletion) goes
// to: remote followers unless it is direct, plus remote mentioned accounts,
// plus extra accounts (the author of a replied-to or boosted post).
func (e *Engine) statusInboxes(ctx context.Context, author *db.Account, v db.Visibility, mentioned []*db.Account, extra ...*db.Account) ([]string, error) {
	var inboxes []string
	if v != db.Direct {
		f, err := e.db.RemoteFollowerInboxes(ctx, author.ID)
		if err != nil {
			return nil, err
		}
		inboxes = f
	}
	for _, a := range append(mentioned, extra...) {
		if in := inboxOf(a); in != "" {
			inboxes = append(inboxes, in)
		}
	}
	return inboxes, nil
}

func nonEmpty(ss ...string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// resend queues an already-recorded activity again (a repeated Follow).
func (e *Engine) resend(ctx context.Context, tx *db.Tx, act *vocab.Object, inbox string) error {
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
