package activitypub

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// publicIRI is the AS2 public collection.
const publicIRI = "https://www.w3.org/ns/activitystreams#Public"

// RenderActor renders a local account as an ActivityPub actor document.
func (e *Engine) RenderActor(ctx context.Context, a *db.Account) (*vocab.Object, error) {
	doc := vocab.NewActor(a.ActorType, a.URI)
	doc.PreferredUsername = a.Username
	doc.Name = a.DisplayName
	doc.Summary = a.Note
	doc.URL = vocab.NewRef(a.URL)
	doc.Inbox, doc.Outbox = a.InboxURI, a.OutboxURI
	doc.ManuallyApprovesFollowers = vocab.Bool(a.Locked)
	doc.Discoverable = vocab.Bool(a.Discoverable)
	doc.Indexable = vocab.Bool(a.Indexable)
	if a.Memorial {
		doc.Memorial = vocab.Bool(true)
	}
	if a.Suspended() {
		doc.Suspended = vocab.Bool(true) // Mastodon's reversible suspension
	}
	doc.Published = a.CreatedAt.UTC().Truncate(1e9)
	doc.Endpoints = vocab.Endpoints{SharedInbox: e.urls.SharedInbox()}
	doc.PublicKey = []vocab.PublicKey{{ID: a.PublicKeyID, Owner: a.URI, PEM: a.PublicKeyPEM}}
	if a.Username != InstanceActorUsername {
		doc.Followers, doc.Following = a.FollowersURI, a.FollowingURI
		doc.Featured, doc.FeaturedTags = a.FeaturedURI, e.urls.FeaturedTags(a.Username)
	}
	if len(a.AlsoKnownAs) > 0 {
		doc.AlsoKnownAs = vocab.IRIs(a.AlsoKnownAs)
	}
	if a.MovedToAccountID != nil {
		if moved, err := e.db.AccountByID(ctx, *a.MovedToAccountID); err == nil {
			doc.MovedTo = moved.URI
		}
	}
	var fields []*vocab.Object
	for _, f := range a.Fields {
		fields = append(fields, &vocab.Object{Type: "PropertyValue", Name: f.Name, Value: f.Value})
	}
	doc.Attachment = vocab.Embed(fields...)
	if icon, err := e.accountImage(ctx, a.AvatarMediaID); err != nil {
		return nil, err
	} else if icon != nil {
		doc.Icon = vocab.Embed(icon)
	}
	if img, err := e.accountImage(ctx, a.HeaderMediaID); err != nil {
		return nil, err
	} else if img != nil {
		doc.Image = vocab.Embed(img)
	}
	emojis, err := e.db.EmojisForAccounts(ctx, []int64{a.ID})
	if err != nil {
		return nil, err
	}
	e.addEmojiTags(doc, emojis[a.ID])
	return doc, nil
}

// KeyOnlyActor strips an actor document to what signature verification
// needs, for unsigned fetches in authorized-fetch mode.
func KeyOnlyActor(full *vocab.Object) *vocab.Object {
	doc := vocab.NewActor(full.Type, full.ID)
	doc.PreferredUsername = full.PreferredUsername
	doc.Inbox, doc.Outbox = full.Inbox, full.Outbox
	doc.Endpoints = full.Endpoints
	doc.PublicKey = full.PublicKey
	doc.URL = full.URL
	return doc
}

func (e *Engine) accountImage(ctx context.Context, id *int64) (*vocab.Object, error) {
	if id == nil {
		return nil, nil
	}
	m, err := e.db.MediaByID(ctx, *id)
	if err != nil {
		return nil, nil // a missing avatar is not worth failing the actor for
	}
	return &vocab.Object{Type: "Image", MediaType: m.ContentType, URL: vocab.NewRef(e.MediaURL(m))}, nil
}

// MediaURL is the public URL of an attachment: the stored file (in the
// configured media store), or the remote URL. It is the one place that
// names stored files.
func (e *Engine) MediaURL(m *db.MediaAttachment) string {
	if m.FileKey != "" {
		return e.opts.MediaURL(m.FileKey)
	}
	return m.RemoteURL
}

// MediaPreviewURL is the URL of an attachment's small version.
func (e *Engine) MediaPreviewURL(m *db.MediaAttachment) string {
	if m.PreviewKey != "" {
		return e.opts.MediaURL(m.PreviewKey)
	}
	if m.PreviewRemoteURL != "" {
		return m.PreviewRemoteURL
	}
	return e.MediaURL(m)
}

// addressing returns to and cc of a status of visibility v by author,
// mentioning mentions (actor URIs), as Mastodon addresses them.
func addressing(author *db.Account, v db.Visibility, mentions []string) (to, cc vocab.IRIs) {
	switch v {
	case db.Public:
		return vocab.IRIs{publicIRI}, append(vocab.IRIs{author.FollowersURI}, mentions...)
	case db.Unlisted:
		return vocab.IRIs{author.FollowersURI}, append(vocab.IRIs{publicIRI}, mentions...)
	case db.Private:
		return vocab.IRIs{author.FollowersURI}, mentions
	default:
		return mentions, nil
	}
}

// NoteDocument renders a stored status (not a boost) as a Note or Question.
func (e *Engine) NoteDocument(ctx context.Context, s *db.Status, author *db.Account) (*vocab.Object, error) {
	mentioned, err := e.db.StatusMentions(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	tags, err := e.db.StatusTags(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	media, err := e.db.StatusMedia(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	var poll *db.Poll
	if s.PollID != nil {
		if poll, err = e.db.PollByID(ctx, *s.PollID); err != nil {
			return nil, err
		}
	}
	emojis, err := e.db.EmojisForStatuses(ctx, []int64{s.ID})
	if err != nil {
		return nil, err
	}
	note := e.renderNote(s, author, mentioned, tags, media, poll)
	e.addEmojiTags(note, emojis[s.ID])
	return note, nil
}

// renderNote builds the Note (or Question) of a local status from its parts.
func (e *Engine) renderNote(s *db.Status, author *db.Account, mentioned []*db.Account, tags []*db.Tag, media []*db.MediaAttachment, poll *db.Poll) *vocab.Object {
	mentionURIs := make([]string, 0, len(mentioned))
	var tagObjs []*vocab.Object
	for _, m := range mentioned {
		mentionURIs = append(mentionURIs, m.URI)
		domain := m.Domain
		if domain == "" {
			domain = e.urls.AccountDomain()
		}
		tagObjs = append(tagObjs, &vocab.Object{Type: "Mention", Href: m.URI, Name: "@" + m.Username + "@" + domain})
	}
	for _, t := range tags {
		display := t.DisplayName
		if display == "" {
			display = t.Name
		}
		tagObjs = append(tagObjs, &vocab.Object{Type: "Hashtag", Href: e.urls.Tag(t.Name), Name: "#" + display})
	}
	note := vocab.NewNote(s.URI)
	if poll != nil {
		note = vocab.NewQuestion(s.URI)
		opts := make([]*vocab.Object, 0, len(poll.Options))
		for _, o := range poll.Options {
			opts = append(opts, vocab.PollOption(o.Title, int(o.VotesCount)))
		}
		if poll.Multiple {
			note.AnyOf = vocab.Embed(opts...)
		} else {
			note.OneOf = vocab.Embed(opts...)
		}
		if poll.ExpiresAt != nil {
			note.EndTime = poll.ExpiresAt.UTC()
			if poll.Expired() {
				note.Closed = poll.ExpiresAt.UTC()
			}
		}
		note.VotersCount = vocab.Int(int(poll.VotersCount))
	}
	note.AttributedTo = vocab.NewRef(author.URI)
	note.Content = s.Content
	if s.Language != "" {
		note.ContentMap = map[string]string{s.Language: s.Content}
	}
	note.Summary = s.SpoilerText
	note.Sensitive = vocab.Bool(s.Sensitive)
	note.Published = s.CreatedAt.UTC()
	if s.EditedAt != nil {
		note.Updated = s.EditedAt.UTC()
	}
	note.URL = vocab.NewRef(s.URL)
	note.InReplyTo = s.InReplyToURI
	note.To, note.Cc = addressing(author, s.Visibility, mentionURIs)
	note.Tag = vocab.Embed(tagObjs...)
	note.Conversation = e.threadURI(s)
	var atts []*vocab.Object
	for _, m := range media {
		att := &vocab.Object{Type: "Document", MediaType: m.ContentType, URL: vocab.NewRef(e.MediaURL(m)),
			Name: m.Description, Blurhash: m.Blurhash}
		if m.Kind == "image" {
			att.Type = "Image"
		}
		if m.Meta.Original != nil {
			att.Width, att.Height = m.Meta.Original.Width, m.Meta.Original.Height
		}
		if m.Meta.Focus != nil {
			att.FocalPoint = []float64{m.Meta.Focus.X, m.Meta.Focus.Y}
		}
		atts = append(atts, att)
	}
	note.Attachment = vocab.Embed(atts...)
	return note
}

// threadURI names a status's thread (ostatus:conversation), so peers group replies.
func (e *Engine) threadURI(s *db.Status) string {
	return e.urls.Base() + "/contexts/" + strconv.FormatInt(s.ThreadID, 10)
}

// activityURI is the id of a new local activity.
func (e *Engine) activityURI(a *db.Account, id int64) string {
	return e.urls.Activity(a.Username, id)
}

// marshal serialises an activity for storage and delivery.
func marshal(o *vocab.Object) ([]byte, error) {
	b, err := vocab.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("activitypub: marshal %s: %w", o.Type, err)
	}
	return b, nil
}
