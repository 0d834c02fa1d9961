package activitypub

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Composing local statuses: the parameters of a new post or an edit, their
// checks, the formatting of the text (mentions resolved) and the Note that
// carries the result.

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

// mediaRows loads the attachments of a post, in the order given.
func (e *Engine) mediaRows(ctx context.Context, ids []int64) ([]*db.MediaAttachment, error) {
	media := make([]*db.MediaAttachment, 0, len(ids))
	for _, id := range ids {
		m, err := e.db.MediaByID(ctx, id)
		if err != nil {
			return nil, err
		}
		media = append(media, m)
	}
	return media, nil
}
