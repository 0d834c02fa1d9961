package activitypub

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// The actor itself: profile changes and suspension of local accounts go to
// followers as an Update of the actor; a remote actor's Update or Delete
// of itself refreshes or removes our copy.

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

// ProfileUpdate is one save of a local account's profile (the API's
// update_credentials, the removal of an avatar or header): the account as
// it was, and the change to store — the new profile in Account, the user's
// posting preferences, new and replaced images.
type ProfileUpdate struct {
	Before *db.Account
	db.CredentialsUpdate
	// LinksChanged: the profile fields were sent; their rel="me" links are
	// checked again in the background.
	LinksChanged bool
}

// UpdateProfile stores a profile change (the local entry of an actor's
// Update). When what followers see changed, they are sent the Update;
// unlocking the account accepts every pending follow request, as Mastodon
// does, each through the Accept step. Only a failure to store is returned:
// the rest is logged, the change being saved.
func (e *Engine) UpdateProfile(ctx context.Context, u ProfileUpdate) error {
	after := u.Account
	u.Audit = profileAudit(ctx, u.Before, after)
	if err := e.db.UpdateCredentials(ctx, u.CredentialsUpdate); err != nil {
		return err
	}
	if err := e.linkProfileEmojis(ctx, after); err != nil {
		return err
	}
	if u.Before.Locked && !after.Locked {
		e.acceptFollowRequests(ctx, after) // first: the new followers get the Update too
	}
	if !reflect.DeepEqual(profileView(u.Before), profileView(after)) {
		// The brand audit record, if any, was written with the change.
		if err := e.publishProfile(ctx, after, false); err != nil {
			e.log.Warn("publish profile", "account", after.ID, "err", err)
		}
	}
	if u.LinksChanged {
		e.VerifyProfileLinksLater(after.ID)
	}
	return nil
}

// profileView is what followers see of a profile; a change of it is
// federated.
func profileView(a *db.Account) any {
	return []any{a.DisplayName, a.Note, a.Fields, a.AvatarMediaID, a.HeaderMediaID, a.Locked, a.Bot,
		a.Discoverable, a.Indexable, a.HideCollections, a.ActorType}
}

// profileAudit is the brand audit record of a profile change (nil unless
// the account is a brand and something changed): which fields changed.
func profileAudit(ctx context.Context, before, after *db.Account) *db.BrandAudit {
	var changed []string
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"display_name", before.DisplayName, after.DisplayName}, {"note", before.NoteSource, after.NoteSource},
		{"fields", before.Fields, after.Fields}, {"avatar", before.AvatarMediaID, after.AvatarMediaID},
		{"header", before.HeaderMediaID, after.HeaderMediaID}, {"locked", before.Locked, after.Locked},
		{"bot", before.Bot, after.Bot}, {"discoverable", before.Discoverable, after.Discoverable},
		{"indexable", before.Indexable, after.Indexable}, {"hide_collections", before.HideCollections, after.HideCollections},
	} {
		if !reflect.DeepEqual(f.a, f.b) {
			changed = append(changed, f.name)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return BrandAuditRecord(ctx, after, "profile.update", nil, strings.Join(changed, ", "))
}

// acceptFollowRequests accepts every pending request to follow a.
func (e *Engine) acceptFollowRequests(ctx context.Context, a *db.Account) {
	const batch = 200
	for {
		list, _, err := e.db.FollowRequestsPage(ctx, a.ID, db.Page{Limit: batch})
		if err != nil {
			e.log.Warn("accept follow requests", "account", a.ID, "err", err)
			return
		}
		for _, f := range list {
			if err := e.AuthorizeFollowRequest(ctx, a, f); err != nil {
				e.log.Warn("accept follow request", "account", a.ID, "follower", f.ID, "err", err)
				return
			}
		}
		if len(list) < batch {
			return
		}
	}
}

// PublishProfile sends an Update of a local account's actor to its
// followers (after the profile changed) and records it in the brand
// audit trail.
func (e *Engine) PublishProfile(ctx context.Context, a *db.Account) error {
	return e.publishProfile(ctx, a, true)
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

// Suspend suspends an account: the tokens that act as it are revoked and,
// by the visibility rule, its posts hidden. The followers of a local
// account are sent an Update of its actor carrying "suspended": true,
// Mastodon's reversible suspension. Suspending twice changes nothing.
func (e *Engine) Suspend(ctx context.Context, a *db.Account) error {
	if err := e.db.SuspendAccount(ctx, a.ID); err != nil {
		return err
	}
	return e.publishSuspension(ctx, a)
}

// Unsuspend lifts a suspension; the followers of a local account are sent
// an Update of its actor without "suspended".
func (e *Engine) Unsuspend(ctx context.Context, a *db.Account) error {
	if err := e.db.UnsuspendAccount(ctx, a.ID); err != nil {
		return err
	}
	return e.publishSuspension(ctx, a)
}

// publishSuspension sends a local actor's Update when its suspension
// changed from what was (the account before).
func (e *Engine) publishSuspension(ctx context.Context, was *db.Account) error {
	a, err := e.db.AccountByID(ctx, was.ID)
	if err != nil {
		return err
	}
	if !a.Local() || a.Username == InstanceActorUsername || a.Suspended() == was.Suspended() {
		return nil
	}
	return e.publishProfile(ctx, a, false)
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
