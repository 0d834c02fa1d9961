package activitypub

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

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
	n, err := tx.EnqueueDeliveries(ctx, id, inboxes, nil)
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

// PollParams describe a poll attached to a new status.
type PollParams struct {
	Options    []string
	ExpiresIn  time.Duration
	Multiple   bool
	HideTotals bool
}

// PostParams are the fields of a new status.
type PostParams struct {
	Text          string
	SpoilerText   string
	Visibility    db.Visibility
	Sensitive     bool
	Language      string
	InReplyToID   *int64
	MediaIDs      []int64
	Poll          *PollParams
	ApplicationID *int64

	// inTx runs first in the transaction that stores the status; an error
	// stores nothing (the scheduled-status job removes its row there, so a
	// status is published once).
	inTx func(ctx context.Context, tx *db.Tx) error
	// stored runs in the same transaction once the status row exists (an
	// approved brand draft records its status there).
	stored func(ctx context.Context, tx *db.Tx, s *db.Status) error
}

// Limits of statuses, reported in the instance configuration.
const (
	MaxMediaAttachments   = 4
	MaxPollOptions        = 4
	MaxPollOptionChars    = 50
	MinPollExpiration     = 5 * time.Minute
	MaxPollExpiration     = 31 * 24 * time.Hour
	CharactersReservedURL = 23
)

// MaxStatusCharacters is the configured length limit of statuses.
func (e *Engine) MaxStatusCharacters() int { return e.opts.MaxStatusCharacters }

// mentionResolver resolves @user and @user@domain while formatting a post,
// remembering the accounts it found.
func (e *Engine) mentionResolver(ctx context.Context, found map[string]*db.Account) content.MentionResolver {
	return func(username, domain string) (content.Mention, bool) {
		var a *db.Account
		var err error
		if domain == "" || strings.EqualFold(domain, e.urls.AccountDomain()) || strings.EqualFold(domain, e.urls.Host()) {
			a, err = e.db.LocalAccount(ctx, username)
		} else {
			a, err = e.resolver.Handle(ctx, username, domain)
		}
		if err != nil || a.Suspended() || a.Username == InstanceActorUsername {
			return content.Mention{}, false
		}
		found[a.URI] = a
		return content.Mention{Username: a.Username, Domain: a.Domain, Href: a.URI, URL: a.URL}, true
	}
}

// validatePost checks a new status before anything is stored.
func (e *Engine) validatePost(ctx context.Context, author *db.Account, p *PostParams) error {
	if strings.TrimSpace(p.Text) == "" && len(p.MediaIDs) == 0 && p.Poll == nil {
		return inputErr("status", "can't be blank")
	}
	if !utf8.ValidString(p.Text) || !utf8.ValidString(p.SpoilerText) {
		return inputErr("status", "is not valid UTF-8")
	}
	if n := content.CountCharacters(p.Text) + utf8.RuneCountInString(p.SpoilerText); n > e.opts.MaxStatusCharacters {
		return inputErr("status", "is too long (%d characters, the maximum is %d)", n, e.opts.MaxStatusCharacters)
	}
	if len(p.MediaIDs) > MaxMediaAttachments {
		return inputErr("media_ids", "can't have more than %d attachments", MaxMediaAttachments)
	}
	if len(p.MediaIDs) > 0 && p.Poll != nil {
		return inputErr("poll", "can't be combined with media attachments")
	}
	if len(p.Language) > 16 {
		return inputErr("language", "is not a language code")
	}
	for _, id := range p.MediaIDs {
		m, err := e.db.MediaByID(ctx, id)
		if err != nil || m.AccountID != author.ID || isProfileImage(author, id) {
			return inputErr("media_ids", "contains an unknown attachment %d", id)
		}
		if m.StatusID != nil {
			return inputErr("media_ids", "contains attachment %d, which belongs to another status", id)
		}
	}
	if pp := p.Poll; pp != nil {
		if len(pp.Options) < 2 || len(pp.Options) > MaxPollOptions {
			return inputErr("poll", "must have 2 to %d options", MaxPollOptions)
		}
		seen := map[string]bool{}
		for _, o := range pp.Options {
			if strings.TrimSpace(o) == "" || utf8.RuneCountInString(o) > MaxPollOptionChars {
				return inputErr("poll", "options must be 1 to %d characters", MaxPollOptionChars)
			}
			if seen[o] {
				return inputErr("poll", "options must be different")
			}
			seen[o] = true
		}
		if pp.ExpiresIn < MinPollExpiration || pp.ExpiresIn > MaxPollExpiration {
			return inputErr("poll", "expires_in must be between %d and %d seconds", int(MinPollExpiration.Seconds()), int(MaxPollExpiration.Seconds()))
		}
	}
	return nil
}

// PublishStatus posts a new status by a local account: format, store,
// notify local recipients and deliver a Create to remote ones.
func (e *Engine) PublishStatus(ctx context.Context, author *db.Account, p PostParams) (*db.Status, error) {
	if err := e.validatePost(ctx, author, &p); err != nil {
		return nil, err
	}
	var parent *db.Status
	if p.InReplyToID != nil {
		var err error
		parent, err = e.db.StatusByID(ctx, *p.InReplyToID, db.ViewerOf(author.ID))
		if err != nil {
			return nil, err
		}
		if parent.ReblogOfID != nil {
			return nil, inputErr("in_reply_to_id", "can't be a boost")
		}
	}
	found := map[string]*db.Account{}
	formatted := e.formatter.Format(p.Text, e.mentionResolver(ctx, found))
	var mentioned []*db.Account
	for _, m := range formatted.Mentions {
		if a := found[m.Href]; a != nil && a.ID != author.ID {
			mentioned = append(mentioned, a)
		}
	}
	media := make([]*db.MediaAttachment, 0, len(p.MediaIDs))
	for _, id := range p.MediaIDs {
		m, err := e.db.MediaByID(ctx, id)
		if err != nil {
			return nil, err
		}
		media = append(media, m)
	}
	id := e.db.NewID()
	s := &db.Status{
		ID: id, URI: e.urls.Status(author.Username, id), URL: e.urls.StatusPage(author.Username, id),
		AccountID: author.ID, Local: true, Visibility: p.Visibility, Content: formatted.HTML, Text: p.Text,
		SpoilerText: p.SpoilerText, Sensitive: p.Sensitive || p.SpoilerText != "", Language: p.Language,
		ApplicationID: p.ApplicationID, Account: author,
	}
	var extra []*db.Account
	if parent != nil {
		s.InReplyToID, s.InReplyToAccountID, s.InReplyToURI = &parent.ID, &parent.AccountID, parent.URI
		if p.Visibility <= db.Unlisted && parent.Account != nil {
			extra = append(extra, parent.Account)
		}
	}
	var poll *db.Poll
	var notes []*db.Notification
	err := e.db.InTx(ctx, func(tx *db.Tx) error {
		if p.inTx != nil {
			if err := p.inTx(ctx, tx); err != nil {
				return err
			}
		}
		if p.Poll != nil {
			opts := make([]db.PollOption, len(p.Poll.Options))
			for i, o := range p.Poll.Options {
				opts[i] = db.PollOption{Title: o}
			}
			expires := time.Now().Add(p.Poll.ExpiresIn).UTC()
			poll = &db.Poll{AccountID: author.ID, Options: opts, Multiple: p.Poll.Multiple, HideTotals: p.Poll.HideTotals, ExpiresAt: &expires}
			if err := tx.InsertPoll(ctx, poll); err != nil {
				return err
			}
			s.PollID = &poll.ID
		}
		ms := make([]db.Mention, len(mentioned))
		for i, a := range mentioned {
			ms[i] = db.Mention{AccountID: a.ID}
		}
		if err := tx.InsertStatus(ctx, db.NewStatus{Status: s, Mentions: ms, Tags: formatted.Tags, MediaIDs: p.MediaIDs}); err != nil {
			return err
		}
		if err := tx.RecordConversation(ctx, s, ms); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, author, statusAction(s.Visibility, "create"), &s.ID, auditExcerpt(p.Text, p.SpoilerText)); err != nil {
			return err
		}
		if p.stored != nil {
			if err := p.stored(ctx, tx, s); err != nil {
				return err
			}
		}
		if poll != nil {
			if err := tx.SetPollStatus(ctx, poll.ID, s.ID); err != nil {
				return err
			}
			poll.StatusID = &s.ID
		}
		var err error
		if notes, err = e.notifyNewStatus(ctx, tx, s, mentioned); err != nil {
			return err
		}
		note := e.noteFrom(s, author, mentioned, formatted.Tags, media, poll)
		actID := e.db.NewID()
		create := vocab.NewCreate(s.URI+"/activity", author.URI, note)
		inboxes, err := e.statusInboxes(ctx, author, s.Visibility, mentioned, extra...)
		if err != nil {
			return err
		}
		return e.record(ctx, tx, author, actID, create, &s.ID, inboxes)
	})
	if err != nil {
		return nil, err
	}
	e.events.StatusCreated(s)
	for _, n := range notes {
		e.events.Notified(n)
	}
	return s, nil
}

// notifyNewStatus tells mentioned local accounts, and local followers who
// asked to hear of the author's posts, about a new status.
func (e *Engine) notifyNewStatus(ctx context.Context, tx *db.Tx, s *db.Status, mentioned []*db.Account) ([]*db.Notification, error) {
	var out []*db.Notification
	told := map[int64]bool{}
	for _, a := range mentioned {
		if !a.Local() {
			continue
		}
		n, err := tx.Notify(ctx, &db.Notification{AccountID: a.ID, Type: db.NotifyMention, FromAccountID: s.AccountID, StatusID: &s.ID})
		if err != nil {
			return nil, err
		}
		told[a.ID] = true
		if n != nil {
			out = append(out, n)
		}
	}
	if s.Visibility == db.Direct || s.ReblogOfID != nil {
		return out, nil
	}
	subscribers, err := e.db.NotifyingFollowers(ctx, s.AccountID)
	if err != nil {
		return nil, err
	}
	for _, id := range subscribers {
		if told[id] {
			continue
		}
		n, err := tx.Notify(ctx, &db.Notification{AccountID: id, Type: db.NotifyStatus, FromAccountID: s.AccountID, StatusID: &s.ID})
		if err != nil {
			return nil, err
		}
		if n != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// noteFrom renders a status from data in hand (inside a transaction the
// read pool cannot see it yet).
func (e *Engine) noteFrom(s *db.Status, author *db.Account, mentioned []*db.Account, tags []string, media []*db.MediaAttachment, poll *db.Poll) *vocab.Object {
	dbTags := make([]*db.Tag, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		name := db.NormalizeTagName(t)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		dbTags = append(dbTags, &db.Tag{Name: name, DisplayName: t})
	}
	return e.renderNote(s, author, mentioned, dbTags, media, poll)
}

// EditStatus changes a local status and sends an Update to everyone who got it.
func (e *Engine) EditStatus(ctx context.Context, author *db.Account, statusID int64, p PostParams) (*db.Status, error) {
	s, err := e.db.StatusByID(ctx, statusID, db.ViewerOf(author.ID))
	if err != nil {
		return nil, err
	}
	if s.AccountID != author.ID || s.ReblogOfID != nil {
		return nil, ErrNotFound
	}
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
	oldMentioned, err := e.db.StatusMentions(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	mentioned := oldMentioned
	known := map[int64]bool{}
	for _, a := range oldMentioned {
		known[a.ID] = true
	}
	var newMentions []db.Mention
	for _, m := range formatted.Mentions {
		if a := found[m.Href]; a != nil && !known[a.ID] && a.ID != author.ID {
			known[a.ID] = true
			mentioned = append(mentioned, a)
			newMentions = append(newMentions, db.Mention{AccountID: a.ID})
		}
	}
	media := make([]*db.MediaAttachment, 0, len(p.MediaIDs))
	for _, id := range p.MediaIDs {
		m, err := e.db.MediaByID(ctx, id)
		if err != nil {
			return nil, err
		}
		media = append(media, m)
	}
	var poll *db.Poll
	if s.PollID != nil {
		if poll, err = e.db.PollByID(ctx, *s.PollID); err != nil {
			return nil, err
		}
	}
	boosters, err := e.db.LocalBoostersOf(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	interacted, err := e.db.InteractedInboxes(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	var notes []*db.Notification
	s.Account = author
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		err := tx.UpdateStatus(ctx, s, db.StatusEditUpdate{
			Content: formatted.HTML, Text: p.Text, SpoilerText: p.SpoilerText, Language: p.Language,
			Sensitive: p.Sensitive || p.SpoilerText != "", Tags: formatted.Tags, MediaIDs: p.MediaIDs, Mentions: newMentions,
		})
		if err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, author, statusAction(s.Visibility, "edit"), &s.ID, auditExcerpt(p.Text, p.SpoilerText)); err != nil {
			return err
		}
		for _, id := range boosters {
			n, err := tx.Notify(ctx, &db.Notification{AccountID: id, Type: db.NotifyUpdate, FromAccountID: author.ID, StatusID: &s.ID})
			if err != nil {
				return err
			}
			if n != nil {
				notes = append(notes, n)
			}
		}
		for _, a := range mentioned {
			if a.Local() && !slicesContainsID(oldMentioned, a.ID) {
				n, err := tx.Notify(ctx, &db.Notification{AccountID: a.ID, Type: db.NotifyMention, FromAccountID: author.ID, StatusID: &s.ID})
				if err != nil {
					return err
				}
				if n != nil {
					notes = append(notes, n)
				}
			}
		}
		note := e.noteFrom(s, author, mentioned, formatted.Tags, media, poll)
		actID := e.db.NewID()
		update := vocab.NewUpdate(e.activityURI(author, actID), author.URI, note)
		inboxes, err := e.statusInboxes(ctx, author, s.Visibility, mentioned)
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
	e.events.StatusUpdated(s)
	for _, n := range notes {
		e.events.Notified(n)
	}
	return s, nil
}

func slicesContainsID(list []*db.Account, id int64) bool {
	for _, a := range list {
		if a.ID == id {
			return true
		}
	}
	return false
}

// isProfileImage reports whether id is a's avatar or header: attachment
// rows too, but never a status's.
func isProfileImage(a *db.Account, id int64) bool {
	return (a.AvatarMediaID != nil && *a.AvatarMediaID == id) || (a.HeaderMediaID != nil && *a.HeaderMediaID == id)
}

// validateEdit is validatePost for an edit: attachments may already belong
// to this very status.
func (e *Engine) validateEdit(ctx context.Context, author *db.Account, s *db.Status, p *PostParams) error {
	ids := p.MediaIDs
	p.MediaIDs = nil
	defer func() { p.MediaIDs = ids }()
	for _, id := range ids {
		m, err := e.db.MediaByID(ctx, id)
		if err != nil || m.AccountID != author.ID || isProfileImage(author, id) || (m.StatusID != nil && *m.StatusID != s.ID) {
			return inputErr("media_ids", "contains an unknown attachment %d", id)
		}
	}
	if len(ids) > MaxMediaAttachments {
		return inputErr("media_ids", "can't have more than %d attachments", MaxMediaAttachments)
	}
	withMedia := *p
	if len(ids) > 0 {
		withMedia.MediaIDs = []int64{0} // non-empty for the blank check only
		withMedia.Poll = nil
		if strings.TrimSpace(p.Text) != "" {
			withMedia.MediaIDs = nil
		}
	}
	if withMedia.MediaIDs != nil && strings.TrimSpace(p.Text) == "" {
		return nil
	}
	return e.validatePost(ctx, author, &withMedia)
}

// DeleteStatus deletes a local status (or boost) and sends a Delete (or
// Undo of the Announce) to everyone who got it. It returns the status as it
// was, with its source text (for delete-and-redraft).
func (e *Engine) DeleteStatus(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	s, err := e.db.StatusByIDAny(ctx, statusID)
	if err != nil {
		return nil, err
	}
	if s.AccountID != actor.ID {
		return nil, ErrNotFound
	}
	if s.ReblogOfID != nil {
		return e.undoReblog(ctx, actor, s)
	}
	mentioned, err := e.db.StatusMentions(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	inboxes, err := e.statusInboxes(ctx, actor, s.Visibility, mentioned)
	if err != nil {
		return nil, err
	}
	if s.Visibility != db.Direct {
		interacted, err := e.db.InteractedInboxes(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		inboxes = append(inboxes, interacted...)
	}
	mentionURIs := make([]string, 0, len(mentioned))
	for _, a := range mentioned {
		mentionURIs = append(mentionURIs, a.URI)
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.DeleteStatus(ctx, s); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, statusAction(s.Visibility, "delete"), &s.ID, auditExcerpt(s.Text, s.SpoilerText)); err != nil {
			return err
		}
		actID := e.db.NewID()
		del := vocab.NewDelete(e.activityURI(actor, actID), actor.URI, s.URI)
		del.To, del.Cc = addressing(actor, s.Visibility, mentionURIs)
		return e.record(ctx, tx, actor, actID, del, nil, inboxes)
	})
	if err != nil {
		return nil, err
	}
	e.events.StatusDeleted(s)
	return s, nil
}

// Reblog boosts a status. Private and direct statuses cannot be boosted,
// except a private one by its own author (to the same followers).
func (e *Engine) Reblog(ctx context.Context, actor *db.Account, statusID int64, visibility db.Visibility) (*db.Status, error) {
	orig, err := e.db.StatusByID(ctx, statusID, db.ViewerOf(actor.ID))
	if err != nil {
		return nil, err
	}
	if orig.ReblogOfID != nil {
		if orig, err = e.db.StatusByID(ctx, *orig.ReblogOfID, db.ViewerOf(actor.ID)); err != nil {
			return nil, err
		}
	}
	if orig.Visibility == db.Direct || orig.Visibility == db.Private && orig.AccountID != actor.ID {
		return nil, ErrForbidden
	}
	if existing, err := e.db.ReblogBy(ctx, actor.ID, orig.ID); err == nil {
		existing.ReblogOf = orig
		return existing, nil
	}
	if visibility < orig.Visibility {
		visibility = orig.Visibility
	}
	if visibility == db.Direct {
		visibility = db.Private
	}
	actID := e.db.NewID()
	s := &db.Status{
		ID: actID, URI: e.activityURI(actor, actID), URL: orig.URL, AccountID: actor.ID, Local: true,
		Visibility: visibility, ReblogOfID: &orig.ID, Account: actor, ReblogOf: orig,
	}
	var notes []*db.Notification
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		if err := tx.InsertStatus(ctx, db.NewStatus{Status: s}); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "status.reblog", &orig.ID, "boost of "+acctOf(orig.Account)+"'s "+orig.URI); err != nil {
			return err
		}
		if orig.Account.Local() {
			n, err := tx.Notify(ctx, &db.Notification{AccountID: orig.AccountID, Type: db.NotifyReblog, FromAccountID: actor.ID, StatusID: &orig.ID})
			if err != nil {
				return err
			}
			if n != nil {
				notes = append(notes, n)
			}
		}
		ann := e.announceOf(actor, s, orig)
		inboxes, err := e.statusInboxes(ctx, actor, visibility, nil, orig.Account)
		if err != nil {
			return err
		}
		return e.record(ctx, tx, actor, actID, ann, &s.ID, inboxes)
	})
	if err != nil {
		return nil, err
	}
	e.events.StatusCreated(s)
	for _, n := range notes {
		e.events.Notified(n)
	}
	return s, nil
}

// announceOf renders a boost as an Announce.
func (e *Engine) announceOf(actor *db.Account, boost, orig *db.Status) *vocab.Object {
	ann := vocab.NewAnnounce(boost.URI, actor.URI, orig.URI)
	ann.To, ann.Cc = addressing(actor, boost.Visibility, []string{orig.Account.URI})
	ann.Published = boost.CreatedAt.UTC()
	return ann
}

// Unreblog removes actor's boost of a status.
func (e *Engine) Unreblog(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	boost, err := e.db.ReblogBy(ctx, actor.ID, statusID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, err = e.undoReblog(ctx, actor, boost)
	return boost, err
}

func (e *Engine) undoReblog(ctx context.Context, actor *db.Account, boost *db.Status) (*db.Status, error) {
	orig, err := e.db.StatusByIDAny(ctx, *boost.ReblogOfID)
	if err != nil {
		return nil, err
	}
	inboxes, err := e.statusInboxes(ctx, actor, boost.Visibility, nil, orig.Account)
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.DeleteStatus(ctx, boost); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "status.unreblog", &orig.ID, "boost of "+acctOf(orig.Account)+"'s "+orig.URI); err != nil {
			return err
		}
		if err := tx.DeleteNotifications(ctx, db.NotifyReblog, actor.ID, &orig.ID, orig.AccountID); err != nil {
			return err
		}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, e.announceOf(actor, boost, orig))
		return e.record(ctx, tx, actor, actID, undo, nil, inboxes)
	})
	if err != nil {
		return nil, err
	}
	e.events.StatusDeleted(boost)
	return boost, nil
}

// Favourite likes a status and tells its author.
func (e *Engine) Favourite(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	s, err := e.db.StatusByID(ctx, statusID, db.ViewerOf(actor.ID))
	if err != nil {
		return nil, err
	}
	if s.ReblogOfID != nil {
		return nil, ErrNotFound
	}
	var notes []*db.Notification
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		actID := e.db.NewID()
		like := vocab.NewLike(e.activityURI(actor, actID), actor.URI, s.URI)
		like.To = vocab.IRIs{s.Account.URI}
		created, err := tx.InsertFavourite(ctx, &db.Favourite{AccountID: actor.ID, StatusID: s.ID, URI: like.ID})
		if err != nil || !created {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "favourite", &s.ID, acctOf(s.Account)+"'s "+s.URI); err != nil {
			return err
		}
		if s.Account.Local() {
			n, err := tx.Notify(ctx, &db.Notification{AccountID: s.AccountID, Type: db.NotifyFavourite, FromAccountID: actor.ID, StatusID: &s.ID})
			if err != nil {
				return err
			}
			if n != nil {
				notes = append(notes, n)
			}
		}
		return e.record(ctx, tx, actor, actID, like, nil, nonEmpty(personalInbox(s.Account)))
	})
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		e.events.Notified(n)
	}
	return e.db.StatusByID(ctx, s.ID, db.ViewerOf(actor.ID))
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

// Unfavourite takes a like back.
func (e *Engine) Unfavourite(ctx context.Context, actor *db.Account, statusID int64) (*db.Status, error) {
	s, err := e.db.StatusByID(ctx, statusID, db.ViewerOf(actor.ID))
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		fav, err := tx.DeleteFavourite(ctx, actor.ID, s.ID)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteNotifications(ctx, db.NotifyFavourite, actor.ID, &s.ID, s.AccountID); err != nil {
			return err
		}
		if err := e.auditBrand(ctx, tx, actor, "unfavourite", &s.ID, acctOf(s.Account)+"'s "+s.URI); err != nil {
			return err
		}
		like := vocab.NewLike(fav.URI, actor.URI, s.URI)
		like.To = vocab.IRIs{s.Account.URI}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, like)
		return e.record(ctx, tx, actor, actID, undo, nil, nonEmpty(personalInbox(s.Account)))
	})
	if err != nil {
		return nil, err
	}
	return e.db.StatusByID(ctx, s.ID, db.ViewerOf(actor.ID))
}
