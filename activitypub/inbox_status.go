package activitypub

import (
	"context"
	"errors"
	"html"
	"mime"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/resolve"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Bounds on what one incoming status may cost us.
const (
	maxParentDepth       = 5  // missing ancestors fetched per reply
	maxResolvedMentions  = 10 // unknown mentioned actors fetched per status
	maxRemoteAttachments = 8
)

// noteTypes are the object types stored as statuses.
var noteTypes = []string{"Note", "Article", "Question", "Page", "Image", "Video", "Audio", "Event"}

// preparedStatus is a remote status converted and with everything fetched
// that it needs, ready to be stored in one transaction.
type preparedStatus struct {
	status   *db.Status
	mentions []db.Mention
	local    []*db.Account // local mentioned accounts (notified)
	tags     []string
	media    []*db.MediaAttachment
	poll     *db.Poll
}

// objectOf returns the object of a Create/Update, fetched from its origin
// when it was only referenced, forwarded by a third party, or embedded by
// an actor on another host (never trust an embedded object as-is then).
func (e *Engine) objectOf(ctx context.Context, ic *inboxContext) (*vocab.Object, error) {
	obj := ic.act.Object.First()
	id := ic.act.Object.ID()
	if id == "" {
		return nil, permanent(errors.New("activity without object"))
	}
	if e.urls.IsLocal(id) {
		return nil, permanent(errors.New("remote activity about a local object"))
	}
	if obj == nil || ic.forwarded() || !vocab.SameHost(id, ic.actor.URI) {
		fetched, err := e.resolver.Object(ctx, id)
		if err != nil {
			return nil, err
		}
		obj = fetched
	}
	return obj, nil
}

// authorOf checks that obj was written by actor: attributedTo names it, and
// the object lives on the actor's host.
func authorOf(obj *vocab.Object, actor *db.Account) error {
	author := obj.Author()
	if author == "" {
		author = obj.Actor.ID()
	}
	if author != actor.URI {
		return permanent(errors.New("object is attributed to someone else than the actor"))
	}
	if !vocab.SameHost(obj.ID, actor.URI) {
		return permanent(errors.New("object is not on the actor's host"))
	}
	return nil
}

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
	if _, err := e.db.StatusByURI(ctx, obj.ID); err == nil {
		return nil // already have it (a fetch got there first)
	}
	if gone, err := e.db.IsTombstoned(ctx, obj.ID); err != nil || gone {
		return err
	}
	relevant, err := e.relevant(ctx, obj, ic.actor)
	if err != nil {
		return err
	}
	if !relevant {
		return errIgnored
	}
	p, err := e.prepareStatus(ctx, obj, ic.actor, 0)
	if err != nil {
		return err
	}
	var notes []*db.Notification
	err = e.seenTx(ctx, ic, func(tx *db.Tx) error {
		if err := e.commitStatus(ctx, tx, p); err != nil {
			return err
		}
		if notes, err = e.notifyNewStatus(ctx, tx, p.status, p.local); err != nil {
			return err
		}
		return e.forwardReply(ctx, tx, ic, obj, p.status)
	})
	if errors.Is(err, db.ErrConflict) {
		return nil // stored meanwhile by a concurrent fetch
	}
	if err != nil {
		return err
	}
	e.events.StatusCreated(p.status)
	for _, n := range notes {
		e.events.Notified(n)
	}
	return nil
}

// relevant reports whether anyone here should see a pushed post: someone
// follows its author, it is addressed to or mentions a local account, or it
// replies to a local status.
func (e *Engine) relevant(ctx context.Context, obj *vocab.Object, author *db.Account) (bool, error) {
	for _, r := range obj.Recipients() {
		if e.urls.IsLocal(r) {
			return true, nil
		}
	}
	for _, m := range obj.Mentions() {
		if e.urls.IsLocal(m.Href) {
			return true, nil
		}
	}
	if obj.InReplyTo != "" && e.urls.IsLocal(obj.InReplyTo) {
		return true, nil
	}
	return e.db.HasLocalFollowers(ctx, author.ID)
}

// fetchStatus fetches a remote status by URI and stores it (with up to
// maxParentDepth missing ancestors). Fetched statuses notify nobody: they
// are old news, pulled in for context.
func (e *Engine) fetchStatus(ctx context.Context, uri string, depth int) (*db.Status, error) {
	if e.urls.IsLocal(uri) {
		return e.db.StatusByURI(ctx, uri)
	}
	if gone, err := e.db.IsTombstoned(ctx, uri); err != nil {
		return nil, err
	} else if gone {
		return nil, permanent(db.ErrGone)
	}
	obj, err := e.resolver.Object(ctx, uri)
	if err != nil {
		return nil, err
	}
	if !obj.Is(noteTypes...) {
		return nil, permanent(errors.New("not a status"))
	}
	authorURI := obj.Author()
	if authorURI == "" || !vocab.SameHost(authorURI, obj.ID) {
		return nil, permanent(resolve.ErrSpoofed)
	}
	if e.DomainBlocked(ctx, vocab.Host(authorURI)) {
		return nil, permanent(errors.New("domain blocked"))
	}
	author, err := e.resolver.Actor(ctx, authorURI, false)
	if err != nil {
		return nil, err
	}
	if author.Suspended() {
		return nil, permanent(ErrNotFound)
	}
	if s, err := e.db.StatusByURI(ctx, obj.ID); err == nil {
		return s, nil
	}
	p, err := e.prepareStatus(ctx, obj, author, depth)
	if err != nil {
		return nil, err
	}
	err = e.db.InTx(ctx, func(tx *db.Tx) error { return e.commitStatus(ctx, tx, p) })
	if errors.Is(err, db.ErrConflict) {
		return e.db.StatusByURI(ctx, obj.ID)
	}
	if err != nil {
		return nil, err
	}
	e.events.StatusCreated(p.status)
	return p.status, nil
}

// FetchStatus resolves a status by URL for search (resolve=true): a local
// URI from the store, a remote one fetched and stored.
func (e *Engine) FetchStatus(ctx context.Context, uri string) (*db.Status, error) {
	if s, err := e.db.StatusByURI(ctx, uri); err == nil {
		return s, nil
	}
	return e.fetchStatus(ctx, uri, 0)
}

// FetchStatusFor is FetchStatus for a local user's search: the status and
// its missing ancestors are fetched signed by that account's key, as
// Mastodon does, so that a followers-only post the user may see at its
// origin can be looked up by its URL (GoToSocial answers 404 to the
// instance actor). The caller still checks what the user may see here.
// Without a usable key it falls back to the instance actor.
func (e *Engine) FetchStatusFor(ctx context.Context, uri string, accountID int64) (*db.Status, error) {
	if s, err := e.db.StatusByURI(ctx, uri); err == nil {
		return s, nil
	}
	if accountID != 0 {
		if signer, err := e.signerFor(ctx, accountID); err == nil {
			ctx = resolve.OnBehalfOf(ctx, signer)
		} else {
			e.log.Debug("fetch status: no signer for the user, fetching as the instance", "account", accountID, "err", err)
		}
	}
	return e.fetchStatus(ctx, uri, 0)
}

// prepareStatus converts a remote Note (or Article, Question …) and fetches
// what it refers to: missing parents, unknown mentioned actors.
func (e *Engine) prepareStatus(ctx context.Context, obj *vocab.Object, author *db.Account, depth int) (*preparedStatus, error) {
	published := obj.Published
	if published.IsZero() || published.After(time.Now()) {
		published = time.Now()
	}
	s := &db.Status{
		ID: e.db.IDs().At(published), URI: obj.ID, URL: obj.URL.URL(), AccountID: author.ID,
		Visibility: visibilityOf(obj, author.FollowersURI), CreatedAt: published.UTC().Truncate(time.Microsecond), Account: author,
	}
	if s.URL == "" || !strings.HasPrefix(s.URL, "http") {
		s.URL = obj.ID
	}
	body, lang := obj.ContentOrMap("")
	if !obj.Is("Note", "Article", "Question") {
		// Pages, videos, events …: their title and a link, as Mastodon shows them.
		var b strings.Builder
		if obj.Name != "" {
			b.WriteString("<p>" + html.EscapeString(obj.Name) + "</p>")
		}
		if body != "" {
			b.WriteString(body)
		}
		b.WriteString(`<p><a href="` + html.EscapeString(s.URL) + `">` + html.EscapeString(s.URL) + `</a></p>`)
		body = b.String()
	}
	s.Content = content.Sanitize(body)
	s.Language = lang
	summary, _ := vocab.PickLang(obj.Summary, obj.SummaryMap, lang)
	s.SpoilerText = strings.TrimSpace(content.PlainText(content.Sanitize(summary)))
	s.Sensitive = obj.Sensitive.Value || s.SpoilerText != ""
	p := &preparedStatus{status: s}

	if parentURI := obj.InReplyTo; parentURI != "" {
		s.InReplyToURI = parentURI
		parent, err := e.db.StatusByURI(ctx, parentURI)
		if errors.Is(err, db.ErrNotFound) && depth < maxParentDepth && !e.urls.IsLocal(parentURI) {
			parent, err = e.fetchStatus(ctx, parentURI, depth+1)
			if err != nil {
				e.log.Debug("inbox: parent not fetched", "parent", parentURI, "err", err)
			}
		}
		if err == nil && parent != nil {
			s.InReplyToID, s.InReplyToAccountID = &parent.ID, &parent.AccountID
		}
	}

	if err := e.prepareMentions(ctx, obj, p); err != nil {
		return nil, err
	}
	for _, h := range obj.Hashtags() {
		if name := strings.TrimPrefix(h.Name, "#"); name != "" && len(p.tags) < 32 {
			p.tags = append(p.tags, name)
		}
	}
	for _, att := range obj.Attachment.Objects() {
		if len(p.media) == maxRemoteAttachments {
			break
		}
		if m := remoteMedia(att, author.ID); m != nil {
			p.media = append(p.media, m)
		}
	}
	if obj.Is("Question") {
		p.poll = remotePoll(obj, author.ID)
	}
	return p, nil
}

// prepareMentions finds the accounts a status mentions (Mention tags) or
// addresses directly (to/cc: how a DM reaches its recipients).
func (e *Engine) prepareMentions(ctx context.Context, obj *vocab.Object, p *preparedStatus) error {
	tagged := map[string]bool{}
	var uris []string
	for _, m := range obj.Mentions() {
		if !tagged[m.Href] {
			tagged[m.Href] = true
			uris = append(uris, m.Href)
		}
	}
	for _, r := range obj.Recipients() {
		if e.urls.UsernameFromActor(r) != "" && !tagged[r] {
			uris = append(uris, r)
		}
	}
	known, err := e.db.AccountsByURIs(ctx, uris)
	if err != nil {
		return err
	}
	fetched := 0
	for _, uri := range uris {
		a := known[uri]
		if a == nil && !e.urls.IsLocal(uri) && fetched < maxResolvedMentions {
			fetched++
			if r, err := e.resolver.Actor(ctx, uri, false); err == nil {
				a = r
			}
		}
		if a == nil || a.Suspended() || a.ID == p.status.AccountID {
			continue
		}
		p.mentions = append(p.mentions, db.Mention{AccountID: a.ID, Silent: !tagged[uri]})
		if a.Local() {
			p.local = append(p.local, a)
		}
	}
	return nil
}

// remoteMedia records a remote attachment by URL.
func remoteMedia(att *vocab.Object, accountID int64) *db.MediaAttachment {
	u := att.URL.URL()
	if u == "" {
		u = att.Href
	}
	if u == "" || !strings.HasPrefix(u, "http") {
		return nil
	}
	ct := att.MediaType
	if ct == "" {
		// By the extension of the path (a URL without a dot, or with one
		// only in its host, has none).
		if p, err := url.Parse(u); err == nil {
			ct = mime.TypeByExtension(path.Ext(p.Path))
		}
	}
	kind := "unknown"
	switch {
	case strings.HasPrefix(ct, "image/") || att.Is("Image"):
		kind = "image"
	case strings.HasPrefix(ct, "video/") || att.Is("Video"):
		kind = "video"
	case strings.HasPrefix(ct, "audio/") || att.Is("Audio"):
		kind = "audio"
	}
	// Mastodon puts the alt text in name, GoToSocial in summary.
	desc, _ := vocab.PickLang(att.Name, att.NameMap, "")
	if strings.TrimSpace(desc) == "" {
		desc, _ = vocab.PickLang(att.Summary, att.SummaryMap, "")
	}
	m := &db.MediaAttachment{AccountID: accountID, Kind: kind, ContentType: ct, RemoteURL: u,
		Description: truncateRunes(strings.TrimSpace(desc), 1500), Blurhash: att.Blurhash}
	if att.Width > 0 && att.Height > 0 {
		m.Meta.Original = &db.MediaDimensions{Width: att.Width, Height: att.Height,
			Size: dims(att.Width, att.Height), Aspect: float64(att.Width) / float64(att.Height)}
	}
	if len(att.FocalPoint) == 2 {
		m.Meta.Focus = &db.MediaFocus{X: clamp1(att.FocalPoint[0]), Y: clamp1(att.FocalPoint[1])}
	}
	return m
}

func dims(w, h int) string { return itoa(w) + "x" + itoa(h) }

func itoa(n int) string { return db.FormatID(int64(n)) }

func clamp1(f float64) float64 { return max(-1, min(1, f)) }

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// remotePoll converts a Question's options and counts.
func remotePoll(obj *vocab.Object, accountID int64) *db.Poll {
	options, multiple := obj.OneOf.Objects(), false
	if len(options) == 0 {
		options, multiple = obj.AnyOf.Objects(), true
	}
	if len(options) == 0 {
		return nil
	}
	p := &db.Poll{AccountID: accountID, Multiple: multiple}
	for _, o := range options {
		votes := 0
		if r := o.Replies.First(); r != nil {
			votes = r.TotalItems.Value
		}
		p.Options = append(p.Options, db.PollOption{Title: o.Name, VotesCount: int64(votes)})
		p.VotesCount += int64(votes)
	}
	p.VotersCount = int64(obj.VotersCount.Value)
	if !multiple && p.VotersCount == 0 {
		p.VotersCount = p.VotesCount
	}
	end := obj.EndTime
	if end.IsZero() {
		end = obj.Closed
	}
	if !end.IsZero() {
		t := end.UTC()
		p.ExpiresAt = &t
	}
	return p
}

// commitStatus stores a prepared remote status in tx.
func (e *Engine) commitStatus(ctx context.Context, tx *db.Tx, p *preparedStatus) error {
	if p.poll != nil {
		if err := tx.InsertPoll(ctx, p.poll); err != nil {
			return err
		}
		p.status.PollID = &p.poll.ID
	}
	if err := tx.InsertRemoteMedia(ctx, p.media); err != nil {
		return err
	}
	ids := make([]int64, len(p.media))
	for i, m := range p.media {
		ids[i] = m.ID
	}
	if err := tx.InsertStatus(ctx, db.NewStatus{Status: p.status, Mentions: p.mentions, Tags: p.tags, MediaIDs: ids}); err != nil {
		return err
	}
	if err := tx.RecordConversation(ctx, p.status, p.mentions); err != nil {
		return err
	}
	if p.poll != nil {
		return tx.SetPollStatus(ctx, p.poll.ID, p.status.ID)
	}
	return nil
}

// forwardReply relays a remote reply to a local status to the local
// author's followers when the reply is addressed to them (Mastodon's inbox
// forwarding): the original body, signed by the local author.
func (e *Engine) forwardReply(ctx context.Context, tx *db.Tx, ic *inboxContext, obj *vocab.Object, s *db.Status) error {
	if s.InReplyToID == nil || ic.item == nil || len(ic.item.Body) == 0 {
		return nil
	}
	parent, err := e.db.StatusByIDAny(ctx, *s.InReplyToID)
	if err != nil || !parent.Account.Local() {
		return nil
	}
	owner := parent.Account
	if !obj.To.Has(owner.FollowersURI) && !obj.Cc.Has(owner.FollowersURI) {
		return nil
	}
	inboxes, err := e.db.RemoteFollowerInboxes(ctx, owner.ID)
	if err != nil {
		return err
	}
	senderHost := vocab.Host(ic.signer)
	kept := inboxes[:0]
	for _, in := range inboxes {
		if vocab.Host(in) != senderHost {
			kept = append(kept, in)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	id := e.db.NewID()
	row := &db.Activity{ID: id, URI: e.activityURI(owner, id) + "#forwarded", AccountID: owner.ID, Type: forwardedType,
		ObjectURI: obj.ID, Body: ic.item.Body}
	if err := tx.InsertActivity(ctx, row); err != nil {
		return err
	}
	if _, err := tx.EnqueueDeliveries(ctx, id, kept, nil); err != nil {
		return err
	}
	tx.AfterCommit(e.queue.Wake)
	return nil
}

// forwardedType marks stored activities that are someone else's body
// relayed by us: they are never served as our own.
const forwardedType = "Forwarded"

func (e *Engine) applyUpdate(ctx context.Context, ic *inboxContext) error {
	if inner := ic.act.Object.First(); (inner != nil && inner.IsActor()) || ic.act.Object.ID() == ic.actor.URI {
		if ic.act.Object.ID() != ic.actor.URI || ic.forwarded() {
			return permanent(errors.New("update of another actor"))
		}
		_, err := e.resolver.Actor(ctx, ic.actor.URI, true)
		return err
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
	boosters, err := e.db.LocalBoostersOf(ctx, s.ID)
	if err != nil {
		return err
	}
	edited := obj.Updated
	if edited.IsZero() {
		edited = time.Now()
	}
	var notes []*db.Notification
	err = e.seenTx(ctx, ic, func(tx *db.Tx) error {
		notes = nil // a retried transaction starts over
		if p.poll != nil && s.PollID != nil {
			if err := tx.UpdatePollCounts(ctx, *s.PollID, p.poll); err != nil {
				return err
			}
		}
		contentChanged := p.status.Content != s.Content || p.status.SpoilerText != s.SpoilerText || p.status.Sensitive != s.Sensitive
		if !contentChanged && (obj.Updated.IsZero() || s.EditedAt != nil && !obj.Updated.After(*s.EditedAt)) {
			return nil // a poll count refresh (of an edited poll too), not an edit
		}
		if err := tx.InsertRemoteMedia(ctx, p.media); err != nil {
			return err
		}
		ids := make([]int64, len(p.media))
		for i, m := range p.media {
			ids[i] = m.ID
		}
		err := tx.UpdateStatus(ctx, s, db.StatusEditUpdate{Content: p.status.Content, SpoilerText: p.status.SpoilerText,
			Sensitive: p.status.Sensitive, Language: p.status.Language, Tags: p.tags, MediaIDs: ids, Mentions: p.mentions,
			EditedAt: edited.UTC().Truncate(time.Microsecond)})
		if err != nil {
			return err
		}
		for _, id := range boosters {
			n, err := tx.Notify(ctx, &db.Notification{AccountID: id, Type: db.NotifyUpdate, FromAccountID: ic.actor.ID, StatusID: &s.ID})
			if err != nil {
				return err
			}
			if n != nil {
				notes = append(notes, n)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.events.StatusUpdated(s)
	for _, n := range notes {
		e.events.Notified(n)
	}
	return nil
}

func (e *Engine) applyDelete(ctx context.Context, ic *inboxContext) error {
	id := ic.act.Object.ID()
	if id == "" {
		return permanent(errors.New("delete without object"))
	}
	if id == ic.actor.URI {
		if ic.forwarded() {
			return permanent(errors.New("forwarded actor deletion"))
		}
		return e.db.DeleteRemoteAccountContent(ctx, ic.actor.ID)
	}
	if !vocab.SameHost(id, ic.actor.URI) {
		return permanent(errors.New("delete of an object on another host"))
	}
	if ic.forwarded() {
		// Believe a relayed Delete only if the origin says the object is gone.
		if _, err := e.resolver.Object(ctx, id); !errors.Is(err, resolve.ErrGone) && !errors.Is(err, resolve.ErrNotFound) {
			return permanent(errors.New("forwarded delete of an object that still exists"))
		}
	}
	s, err := e.db.StatusByURI(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return e.seenTx(ctx, ic, func(tx *db.Tx) error { return tx.InsertTombstone(ctx, id, ic.actor.ID) })
	}
	if err != nil {
		return err
	}
	if s.AccountID != ic.actor.ID {
		return permanent(errors.New("delete of someone else's status"))
	}
	return e.removeStatus(ctx, ic, s)
}

// removeStatus deletes a remote status or boost as its author asked.
func (e *Engine) removeStatus(ctx context.Context, ic *inboxContext, s *db.Status) error {
	err := e.seenTx(ctx, ic, func(tx *db.Tx) error {
		err := tx.DeleteStatus(ctx, s)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		return err
	})
	if err == nil {
		e.events.StatusDeleted(s)
	}
	return err
}
