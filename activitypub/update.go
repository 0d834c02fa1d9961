package activitypub

import (
	"context"
	"errors"
	"time"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// localEdit is a validated edit of a local status with what its Update
// needs: every account the status mentions (old and new), the new ones,
// the attachments and the poll.
type localEdit struct {
	update    db.StatusEditUpdate
	mentioned []*db.Account
	added     []*db.Account
	media     []*db.MediaAttachment
	poll      *db.Poll
	emojis    []*db.CustomEmoji
}

// EditStatus changes a local status (the local entry of Update) and sends
// the Update to everyone who got it.
func (e *Engine) EditStatus(ctx context.Context, author *db.Account, statusID int64, p PostParams) (*db.Status, error) {
	s, err := e.db.StatusByID(ctx, statusID, db.ViewerOf(author.ID))
	if err != nil {
		return nil, err
	}
	if s.AccountID != author.ID || s.ReblogOfID != nil {
		return nil, ErrNotFound
	}
	ed, err := e.composeEdit(ctx, author, s, p)
	if err != nil {
		return nil, err
	}
	// An edit waiting for approval leaves the published version as it is.
	if err := e.gate(ctx, author, targetChange(db.DraftEdit, s, scheduledParams(p))); err != nil {
		return nil, err
	}
	interacted, err := e.db.InteractedInboxes(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	s.Account = author
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := e.edit(ctx, tx, author, s, ed.update, ed.added); err != nil {
			return err
		}
		if err := linkStatusEmojis(ctx, tx, s.ID, ed.emojis); err != nil {
			return err
		}
		note := e.noteFrom(s, author, ed.mentioned, ed.update.Tags, ed.media, ed.poll)
		e.addEmojiTags(note, ed.emojis)
		actID := e.db.NewID()
		update := vocab.NewUpdate(e.activityURI(author, actID), author.URI, note)
		inboxes, err := e.statusInboxes(ctx, author, s.Visibility, ed.mentioned)
		if err != nil {
			return err
		}
		if s.Visibility != db.Direct {
			inboxes = append(inboxes, interacted...)
		}
		return e.record(ctx, tx, author, actID, update, &s.ID, inboxes)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// composeEdit checks an edit of s and formats its text. The visibility and
// the poll stay; attachments stay unless others are given.
func (e *Engine) composeEdit(ctx context.Context, author *db.Account, s *db.Status, p PostParams) (*localEdit, error) {
	p.Visibility = s.Visibility
	if p.Poll != nil {
		return nil, inputErr("poll", "can't be changed by an edit")
	}
	if s.PollID != nil && p.Text == "" {
		p.Poll = &PollParams{Options: []string{"x", "y"}, ExpiresIn: MinPollExpiration} // only to pass the blank check
	}
	if p.MediaIDs == nil {
		existing, err := e.db.StatusMedia(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range existing {
			p.MediaIDs = append(p.MediaIDs, m.ID)
		}
	}
	if err := e.validateEdit(ctx, author, s, &p); err != nil {
		return nil, err
	}
	found := map[string]*db.Account{}
	formatted := e.formatter.Format(p.Text, e.mentionResolver(ctx, found))
	old, err := e.db.StatusMentions(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	ed := &localEdit{mentioned: old, update: db.StatusEditUpdate{
		Content: formatted.HTML, Text: p.Text, SpoilerText: p.SpoilerText, Language: p.Language,
		Sensitive: p.Sensitive || p.SpoilerText != "", Tags: formatted.Tags, MediaIDs: p.MediaIDs,
	}}
	for _, m := range formatted.Mentions {
		if a := found[m.Href]; a != nil && !slicesContainsID(ed.mentioned, a.ID) && a.ID != author.ID {
			ed.mentioned = append(ed.mentioned, a)
			ed.added = append(ed.added, a)
			ed.update.Mentions = append(ed.update.Mentions, db.Mention{AccountID: a.ID})
		}
	}
	if ed.media, err = e.mediaRows(ctx, p.MediaIDs); err != nil {
		return nil, err
	}
	texts := []string{p.Text, p.SpoilerText}
	if s.PollID != nil {
		if ed.poll, err = e.db.PollByID(ctx, *s.PollID); err != nil {
			return nil, err
		}
		for _, o := range ed.poll.Options { // the poll stays, and its emoji with it
			texts = append(texts, o.Title)
		}
	}
	if ed.emojis, err = e.localEmojisIn(ctx, texts...); err != nil {
		return nil, err
	}
	return ed, nil
}

// applyUpdate is the remote entry of Update: of the actor itself (see
// applyActorUpdate) or of one of its statuses. An Update that changes only
// a poll's counts refreshes them and is no edit.
func (e *Engine) applyUpdate(ctx context.Context, ic *inboxContext) error {
	if inner := ic.act.Object.First(); (inner != nil && inner.IsActor()) || ic.act.Object.ID() == ic.actor.URI {
		return e.applyActorUpdate(ctx, ic)
	}
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
	s, err := e.db.StatusByURI(ctx, obj.ID)
	if errors.Is(err, db.ErrNotFound) {
		return errIgnored // an edit of something we never had
	}
	if err != nil {
		return err
	}
	if s.AccountID != ic.actor.ID {
		return permanent(errors.New("update of someone else's status"))
	}
	p, err := e.prepareStatus(ctx, obj, ic.actor, maxParentDepth)
	if err != nil {
		return err
	}
	old, err := e.db.StatusMentions(ctx, s.ID)
	if err != nil {
		return err
	}
	var added []*db.Account
	for _, a := range p.local {
		if !slicesContainsID(old, a.ID) {
			added = append(added, a)
		}
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error {
		if p.poll != nil && s.PollID != nil {
			if err := tx.UpdatePollCounts(ctx, *s.PollID, p.poll); err != nil {
				return err
			}
		}
		if !remoteEdit(s, p.status, obj.Updated) {
			return nil // a poll count refresh (of an edited poll too), not an edit
		}
		if err := tx.InsertRemoteMedia(ctx, p.media); err != nil {
			return err
		}
		if err := e.edit(ctx, tx, ic.actor, s, p.editUpdate(obj.Updated), added); err != nil {
			return err
		}
		return linkStatusEmojis(ctx, tx, s.ID, p.emojis)
	})
}

// remoteEdit reports whether an Update of s to fresh is an edit: its text
// changed, or it says it was edited after the last edit we have.
func remoteEdit(s, fresh *db.Status, updated time.Time) bool {
	if fresh.Content != s.Content || fresh.SpoilerText != s.SpoilerText || fresh.Sensitive != s.Sensitive {
		return true
	}
	return !updated.IsZero() && (s.EditedAt == nil || updated.After(*s.EditedAt))
}

// edit is the Update rule for statuses: only its author edits a status;
// the previous version is kept; local accounts that boosted it and newly
// mentioned local accounts are notified; listeners hear of the edit.
func (e *Engine) edit(ctx context.Context, tx *db.Tx, author *db.Account, s *db.Status, u db.StatusEditUpdate, added []*db.Account) error {
	if s.AccountID != author.ID || s.ReblogOfID != nil {
		return ErrNotFound
	}
	boosters, err := e.db.LocalBoostersOf(ctx, s.ID)
	if err != nil {
		return err
	}
	if err := tx.UpdateStatus(ctx, s, u); err != nil {
		return err
	}
	if err := e.requeueCard(ctx, tx, s); err != nil {
		return err
	}
	if err := e.auditBrand(ctx, tx, author, statusAction(s.Visibility, "edit"), &s.ID, auditExcerpt(u.Text, u.SpoilerText)); err != nil {
		return err
	}
	e.statusUpdated(tx, s) // before the notifications: clients get the edit first
	for _, id := range boosters {
		if err := e.notify(ctx, tx, &db.Notification{AccountID: id, Type: db.NotifyUpdate, FromAccountID: author.ID, StatusID: &s.ID}); err != nil {
			return err
		}
	}
	for _, a := range added {
		if !a.Local() {
			continue
		}
		if err := e.notify(ctx, tx, &db.Notification{AccountID: a.ID, Type: db.NotifyMention, FromAccountID: author.ID, StatusID: &s.ID}); err != nil {
			return err
		}
	}
	return nil
}
