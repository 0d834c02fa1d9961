package activitypub

import (
	"context"
	"errors"
	"strings"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// The actor itself: profile changes of local accounts go to followers as
// an Update of the actor; a remote actor's Update or Delete of itself
// refreshes or removes our copy.

// FormatProfileNote renders the plain-text bio of a local account as HTML,
// the way Mastodon does: paragraphs, links, hashtags, and mentions of
// accounts this instance already knows (local ones, and remote ones it has
// stored). Unlike a post, saving a profile never waits on WebFinger: an
// unknown @user@domain stays text.
func (e *Engine) FormatProfileNote(ctx context.Context, text string) string {
	resolve := func(username, domain string) (content.Mention, bool) {
		var a *db.Account
		var err error
		if domain == "" || strings.EqualFold(domain, e.urls.AccountDomain()) || strings.EqualFold(domain, e.urls.Host()) {
			a, err = e.db.LocalAccount(ctx, username)
		} else {
			a, err = e.db.AccountByUsername(ctx, username, domain)
		}
		if err != nil || a.Suspended() || a.Username == InstanceActorUsername {
			return content.Mention{}, false
		}
		return content.Mention{Username: a.Username, Domain: a.Domain, Href: a.URI, URL: a.URL}, true
	}
	return e.formatter.FormatProfileNote(text, resolve).HTML
}

// PublishProfile sends an Update of a local account's actor to its
// followers (after the profile changed) and records it in the brand
// audit trail, unless the change was recorded already.
func (e *Engine) PublishProfile(ctx context.Context, a *db.Account) error {
	return e.publishProfile(ctx, a, !actingFrom(ctx).profileRecorded)
}

// publishProfile sends the actor's Update to its remote followers.
func (e *Engine) publishProfile(ctx context.Context, a *db.Account, audit bool) error {
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
		if audit {
			if err := e.auditBrand(ctx, tx, a, "profile.update", nil, ""); err != nil {
				return err
			}
		}
		actID := e.db.NewID()
		upd := vocab.NewUpdate(e.activityURI(a, actID), a.URI, doc)
		return e.record(ctx, tx, a, actID, upd, nil, inboxes)
	})
}

// applyActorUpdate is the remote entry of an actor's Update of itself: the
// actor is fetched again from its origin (the embedded copy is not taken
// as is). A forwarded one, or one of another actor, is refused.
func (e *Engine) applyActorUpdate(ctx context.Context, ic *inboxContext) error {
	if ic.act.Object.ID() != ic.actor.URI || ic.forwarded() {
		return permanent(errors.New("update of another actor"))
	}
	_, err := e.resolver.Actor(ctx, ic.actor.URI, true)
	return err
}

// applyActorDelete is the remote entry of an actor's Delete of itself: its
// content goes.
func (e *Engine) applyActorDelete(ctx context.Context, ic *inboxContext) error {
	if ic.forwarded() {
		return permanent(errors.New("forwarded actor deletion"))
	}
	return e.db.DeleteRemoteAccountContent(ctx, ic.actor.ID)
}
