package activitypub

import (
	"context"
	"errors"
	"time"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// localPost is a validated local post ready to store, with what its Create
// needs: the accounts it mentions (local and remote), its attachments, and
// who else must get it (the author of the post it replies to).
type localPost struct {
	prepared  *preparedStatus
	mentioned []*db.Account
	media     []*db.MediaAttachment
	extra     []*db.Account
}

// PublishStatus posts a new status by a local account (the local entry of
// Create): format, store, notify local recipients and deliver a Create to
// remote ones.
func (e *Engine) PublishStatus(ctx context.Context, author *db.Account, p PostParams) (*db.Status, error) {
	if err := e.validatePost(ctx, author, &p); err != nil {
		return nil, err
	}
	if author.IsBrand {
		if err := e.checkParent(ctx, author, p); err != nil {
			return nil, err
		}
		if err := e.gate(ctx, author, postChange(p, nil)); err != nil {
			return nil, err
		}
	}
	lp, err := e.composeStatus(ctx, author, &p)
	if err != nil {
		return nil, err
	}
	s := lp.prepared.status
	// Read outside the transaction (it never read through it): with 100,000
	// followers the read takes a quarter of a second that SQLite's single
	// writer need not wait for.
	inboxes, err := e.statusInboxes(ctx, author, s.Visibility, lp.mentioned, lp.extra...)
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if p.inTx != nil {
			if err := p.inTx(ctx, tx); err != nil {
				return err
			}
		}
		if err := e.create(ctx, tx, author, lp.prepared); err != nil {
			return err
		}
		note := e.noteFrom(s, author, lp.mentioned, lp.prepared.tags, lp.media, lp.prepared.poll)
		e.addEmojiTags(note, lp.prepared.emojis)
		create := vocab.NewCreate(s.URI+"/activity", author.URI, note)
		return e.record(ctx, tx, author, e.db.NewID(), create, &s.ID, inboxes)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// composeStatus turns a validated local post into a status: the text
// formatted with its mentions resolved, its parent, attachments and poll.
func (e *Engine) composeStatus(ctx context.Context, author *db.Account, p *PostParams) (*localPost, error) {
	var parent *db.Status
	if p.InReplyToID != nil {
		var err error
		if parent, err = e.db.StatusByID(ctx, *p.InReplyToID, db.ViewerOf(author.ID)); err != nil {
			return nil, err
		}
		if parent.ReblogOfID != nil {
			return nil, inputErr("in_reply_to_id", "can't be a boost")
		}
	}
	found := map[string]*db.Account{}
	formatted := e.formatter.Format(p.Text, e.mentionResolver(ctx, found))
	media, err := e.mediaRows(ctx, p.MediaIDs)
	if err != nil {
		return nil, err
	}
	id := e.db.NewID()
	s := &db.Status{
		ID: id, URI: e.urls.Status(author.Username, id), URL: e.urls.StatusPage(author.Username, id),
		AccountID: author.ID, Local: true, Visibility: p.Visibility, Content: formatted.HTML, Text: p.Text,
		SpoilerText: p.SpoilerText, Sensitive: p.Sensitive || p.SpoilerText != "", Language: p.Language,
		ApplicationID: p.ApplicationID, Account: author,
	}
	lp := &localPost{media: media, prepared: &preparedStatus{status: s, tags: formatted.Tags, mediaIDs: p.MediaIDs}}
	if lp.prepared.emojis, err = e.postEmojis(ctx, p); err != nil {
		return nil, err
	}
	for _, m := range formatted.Mentions {
		if a := found[m.Href]; a != nil && a.ID != author.ID {
			lp.mentioned = append(lp.mentioned, a)
			lp.prepared.mentions = append(lp.prepared.mentions, db.Mention{AccountID: a.ID})
			if a.Local() {
				lp.prepared.local = append(lp.prepared.local, a)
			}
		}
	}
	if parent != nil {
		s.InReplyToID, s.InReplyToAccountID, s.InReplyToURI = &parent.ID, &parent.AccountID, parent.URI
		if p.Visibility <= db.Unlisted && parent.Account != nil {
			lp.extra = append(lp.extra, parent.Account)
		}
	}
	if pp := p.Poll; pp != nil {
		opts := make([]db.PollOption, len(pp.Options))
		for i, o := range pp.Options {
			opts[i] = db.PollOption{Title: o}
		}
		expires := time.Now().Add(pp.ExpiresIn).UTC()
		lp.prepared.poll = &db.Poll{AccountID: author.ID, Options: opts, Multiple: pp.Multiple, HideTotals: pp.HideTotals, ExpiresAt: &expires}
	}
	return lp, nil
}

// applyCreate is the remote entry of Create: a status (or a vote on a
// local poll) by the actor, kept when someone here should see it.
func (e *Engine) applyCreate(ctx context.Context, ic *inboxContext) error {
	obj, err := e.objectOf(ctx, ic)
	if err != nil {
		return err
	}
	if !obj.Is(noteTypes...) {
		return errIgnored
	}
	if err := authorOf(obj, ic.actor); err != nil {
		return err
	}
	if vote, err := e.receiveVote(ctx, ic, obj); vote {
		return err // a vote on a local poll, not a status
	}
	known, err := e.db.CheckIncomingStatus(ctx, obj.ID, ic.actor.ID)
	if err != nil {
		return err
	}
	if known.Known || known.Tombstoned {
		return nil // already have it (a fetch got there first), or it was deleted
	}
	if !known.Followed && !e.addressedHere(obj) {
		return errIgnored
	}
	p, err := e.prepareStatus(ctx, obj, ic.actor, 0)
	if err != nil {
		return err
	}
	p.unsubscribed = !known.Subscribed
	err = e.seenTx(ctx, ic, func(tx *db.Tx) error {
		if err := e.create(ctx, tx, ic.actor, p); err != nil {
			return err
		}
		return e.forwardReply(ctx, tx, ic, obj, p.status)
	})
	if errors.Is(err, db.ErrConflict) {
		return nil // stored meanwhile by a concurrent fetch
	}
	return err
}

// addressedHere reports whether a pushed post concerns someone here other
// than as a follower of its author (CheckIncomingStatus tells that): it is
// addressed to or mentions a local account, or it replies to a local
// status.
func (e *Engine) addressedHere(obj *vocab.Object) bool {
	for _, r := range obj.Recipients() {
		if e.urls.IsLocal(r) {
			return true
		}
	}
	for _, m := range obj.Mentions() {
		if e.urls.IsLocal(m.Href) {
			return true
		}
	}
	return obj.InReplyTo != "" && e.urls.IsLocal(obj.InReplyTo)
}

// create is the Create rule: author's new status is stored with its
// mentions, tags, attachments and poll; mentioned local accounts, and
// local followers who asked to hear of the author's posts, are notified;
// listeners hear of the status.
func (e *Engine) create(ctx context.Context, tx *db.Tx, author *db.Account, p *preparedStatus) error {
	s := p.status
	if s.AccountID != author.ID {
		return ErrForbidden
	}
	if err := e.commitStatus(ctx, tx, p); err != nil {
		return err
	}
	if err := e.auditBrand(ctx, tx, author, statusAction(s.Visibility, "create"), &s.ID, auditExcerpt(s.Text, s.SpoilerText)); err != nil {
		return err
	}
	e.statusCreated(tx, s) // before the notifications: clients get the status first
	return e.notifyNewStatus(ctx, tx, p)
}

// notifyNewStatus tells mentioned local accounts, and local followers who
// asked to hear of the author's posts, about a new status.
func (e *Engine) notifyNewStatus(ctx context.Context, tx *db.Tx, p *preparedStatus) error {
	s := p.status
	told := map[int64]bool{}
	for _, a := range p.local {
		if !a.Local() {
			continue
		}
		told[a.ID] = true
		if err := e.notify(ctx, tx, &db.Notification{AccountID: a.ID, Type: db.NotifyMention, FromAccountID: s.AccountID, StatusID: &s.ID}); err != nil {
			return err
		}
	}
	if s.Visibility == db.Direct || s.ReblogOfID != nil || p.unsubscribed {
		return nil
	}
	subscribers, err := e.db.NotifyingFollowers(ctx, s.AccountID)
	if err != nil {
		return err
	}
	for _, id := range subscribers {
		if told[id] {
			continue
		}
		if err := e.notify(ctx, tx, &db.Notification{AccountID: id, Type: db.NotifyStatus, FromAccountID: s.AccountID, StatusID: &s.ID}); err != nil {
			return err
		}
	}
	return nil
}
