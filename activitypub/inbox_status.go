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
	media    []*db.MediaAttachment // remote attachments, inserted with the status
	mediaIDs []int64               // a local post's uploads, attached to it
	poll     *db.Poll
	emojis   []*db.CustomEmoji // the custom emoji its text uses
	// unsubscribed: known before the write step that no local follower
	// asked to be notified of the author's posts (an incoming Create's
	// CheckIncomingStatus), so the step does not ask again.
	unsubscribed bool
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
	err = e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := e.commitStatus(ctx, tx, p); err != nil {
			return err
		}
		e.statusCreated(tx, p.status)
		return nil
	})
	if errors.Is(err, db.ErrConflict) {
		return e.db.StatusByURI(ctx, obj.ID)
	}
	if err != nil {
		return nil, err
	}
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
	body, lang := remoteBody(obj, s.URL)
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
	rejectMedia := e.MediaRejected(ctx, author)
	for _, att := range obj.Attachment.Objects() {
		if len(p.media) == maxRemoteAttachments {
			break
		}
		if m := remoteMedia(att, author.ID); m != nil {
			if rejectMedia {
				// As Mastodon: kept as a link to the remote file, of unknown kind.
				m.Kind = "unknown"
			}
			p.media = append(p.media, m)
		}
	}
	if obj.Is("Question") {
		p.poll = remotePoll(obj, author.ID)
	}
	p.emojis = remoteStatusEmojis(obj, author)
	return p, nil
}

// remoteBody is the HTML of a remote status (not sanitized yet) and its
// language. Pages, videos, events …, which are not posts, show their title
// and a link, as Mastodon shows them.
func remoteBody(obj *vocab.Object, url string) (string, string) {
	body, lang := obj.ContentOrMap("")
	if obj.Is("Note", "Article", "Question") {
		return body, lang
	}
	var b strings.Builder
	if obj.Name != "" {
		b.WriteString("<p>" + html.EscapeString(obj.Name) + "</p>")
	}
	b.WriteString(body)
	b.WriteString(`<p><a href="` + html.EscapeString(url) + `">` + html.EscapeString(url) + `</a></p>`)
	return b.String(), lang
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

// commitStatus stores a prepared status (remote, or a local post) in tx.
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
	ids := make([]int64, 0, len(p.media)+len(p.mediaIDs))
	for _, m := range p.media {
		ids = append(ids, m.ID)
	}
	ids = append(ids, p.mediaIDs...)
	if err := tx.InsertStatus(ctx, db.NewStatus{Status: p.status, Mentions: p.mentions, Tags: p.tags, MediaIDs: ids}); err != nil {
		return err
	}
	if err := tx.RecordConversation(ctx, p.status, p.mentions); err != nil {
		return err
	}
	if err := e.queueCard(ctx, tx, p); err != nil {
		return err
	}
	if len(p.emojis) > 0 {
		if err := linkStatusEmojis(ctx, tx, p.status.ID, p.emojis); err != nil {
			return err
		}
	}
	if p.poll == nil {
		return nil
	}
	p.poll.StatusID = &p.status.ID
	return tx.SetPollStatus(ctx, p.poll.ID, p.status.ID)
}

// editUpdate is the edit a prepared remote status makes to the stored
// one, edited at updated (now when the peer does not say). Its remote
// attachments must be stored first.
func (p *preparedStatus) editUpdate(updated time.Time) db.StatusEditUpdate {
	if updated.IsZero() {
		updated = time.Now()
	}
	ids := make([]int64, len(p.media))
	for i, m := range p.media {
		ids[i] = m.ID
	}
	s := p.status
	return db.StatusEditUpdate{Content: s.Content, SpoilerText: s.SpoilerText, Sensitive: s.Sensitive, Language: s.Language,
		Tags: p.tags, MediaIDs: ids, Mentions: p.mentions, EditedAt: updated.UTC().Truncate(time.Microsecond)}
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
