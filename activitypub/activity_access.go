package activitypub

import (
	"context"
	"errors"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// mayFetchActivity decides whether v may fetch the stored local activity
// act by its id. A document must not say more than the client API shows:
//   - Like and Announce: only to whom may see their object (and, for an
//     Announce, the boost itself);
//   - Follow, Accept, Reject: only to the two parties (who follows whom);
//   - Block: only to the blocked account;
//   - Undo: as what it undoes;
//   - anything else: to whom may see its status, or when it is public.
//
// Who may see a status is the db visibility rule.
func (e *Engine) mayFetchActivity(ctx context.Context, act *db.Activity, v db.Viewer) (bool, error) {
	switch act.Type {
	case forwardedType:
		return false, nil
	case "Undo":
		doc, err := vocab.Parse(act.Body)
		if err != nil {
			return false, nil
		}
		inner := doc.Object.First()
		if inner == nil {
			return false, nil
		}
		return e.mayFetchInner(ctx, act, inner.Type, inner.Object.ID(), nil, v)
	case "Accept", "Reject":
		doc, err := vocab.Parse(act.Body)
		if err != nil {
			return false, nil
		}
		follow := doc.Object.First()
		if follow == nil {
			return false, nil
		}
		// The other party is the follower: the actor of the Follow answered.
		return e.isParty(ctx, act, follow.Actor.ID(), v)
	}
	return e.mayFetchInner(ctx, act, act.Type, act.ObjectURI, act.StatusID, v)
}

// mayFetchInner applies the rule of an activity of type typ on object (an
// Undo's inner activity has no status of its own: statusID nil).
func (e *Engine) mayFetchInner(ctx context.Context, act *db.Activity, typ, object string, statusID *int64, v db.Viewer) (bool, error) {
	switch typ {
	case "Block":
		return e.isAccount(ctx, object, v)
	case "Follow":
		return e.isParty(ctx, act, object, v)
	case "Like":
		return e.maySeeStatus(ctx, object, v)
	case "Announce":
		if statusID != nil {
			if ok, err := e.maySeeStatusID(ctx, *statusID, v); !ok || err != nil {
				return false, err
			}
		}
		return e.maySeeStatus(ctx, object, v)
	}
	if act.Type == "Undo" {
		return false, nil
	}
	if statusID != nil {
		return e.maySeeStatusID(ctx, *statusID, v)
	}
	return act.Public, nil
}

// isParty reports whether v is act's actor or the account other.
func (e *Engine) isParty(ctx context.Context, act *db.Activity, other string, v db.Viewer) (bool, error) {
	if v.AccountID != 0 && v.AccountID == act.AccountID {
		return true, nil
	}
	return e.isAccount(ctx, other, v)
}

// isAccount reports whether v is the (signed-in or signing) account uri.
func (e *Engine) isAccount(ctx context.Context, uri string, v db.Viewer) (bool, error) {
	if v.AccountID == 0 || uri == "" {
		return false, nil
	}
	a, err := e.db.AccountByURI(ctx, uri)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.ID == v.AccountID, nil
}

// maySeeStatus reports whether v may see the stored status uri.
func (e *Engine) maySeeStatus(ctx context.Context, uri string, v db.Viewer) (bool, error) {
	if uri == "" {
		return false, nil
	}
	_, err := e.db.StatusByURIFor(ctx, uri, v)
	return lookupFound(err)
}

func (e *Engine) maySeeStatusID(ctx context.Context, id int64, v db.Viewer) (bool, error) {
	_, err := e.db.StatusByID(ctx, id, v)
	return lookupFound(err)
}

// lookupFound turns a lookup's error into found / not found / failed.
func lookupFound(err error) (bool, error) {
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
