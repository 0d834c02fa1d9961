package entity

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// Statuses renders statuses for viewer (0: anonymous) with a fixed number
// of queries. Boosts whose original the viewer may not see are left out.
func (p *Presenter) Statuses(ctx context.Context, viewer int64, list []*db.Status) ([]Status, error) {
	return p.StatusesIn(ctx, viewer, list, "")
}

// StatusesIn renders statuses for viewer and applies the viewer's filters
// of a context (home, notifications, public, thread, account) when scope
// is set: statuses a "hide" filter removes are left out, the others carry
// the filters they matched.
func (p *Presenter) StatusesIn(ctx context.Context, viewer int64, list []*db.Status, scope string) ([]Status, error) {
	out, _, err := p.statusesIn(ctx, viewer, list, scope)
	return out, err
}

// statusesIn renders as StatusesIn, and returns the page's entries of the
// rendered cache by status id too (for its JSON).
func (p *Presenter) statusesIn(ctx context.Context, viewer int64, list []*db.Status, scope string) ([]Status, map[int64]*rendered, error) {
	b, err := p.loadBatch(ctx, viewer, list, scope)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Status, 0, len(list))
	for _, s := range list {
		if s.ReblogOfID != nil && b.reblogs[*s.ReblogOfID] == nil {
			continue
		}
		st, hidden := p.status(ctx, viewer, s, b)
		if hidden {
			continue
		}
		out = append(out, st)
	}
	p.addStatusEmojis(ctx, out)
	return out, b.kept, nil
}

// Status renders one status (db.ErrNotFound when the viewer may not see
// what it boosts).
func (p *Presenter) Status(ctx context.Context, viewer int64, s *db.Status) (Status, error) {
	list, err := p.Statuses(ctx, viewer, []*db.Status{s})
	if err != nil {
		return Status{}, err
	}
	if len(list) == 0 {
		return Status{}, db.ErrNotFound
	}
	return list[0], nil
}

// status renders s from a loaded batch; hidden is true when a filter of
// the viewer removes it (or the status it boosts).
func (p *Presenter) status(ctx context.Context, viewer int64, s *db.Status, b *statusBatch) (out Status, hidden bool) {
	out = p.sharedPart(ctx, s, b)
	out.Card = p.Card(b.cards[s.ID])
	if s.ReblogOfID != nil {
		inner, hidden := p.status(ctx, viewer, b.reblogs[*s.ReblogOfID], b)
		if hidden {
			return out, true
		}
		out.Reblog = &inner
	}
	if s.PollID != nil {
		if pl := b.polls[*s.PollID]; pl != nil {
			out.Poll = p.Poll(pl, viewer, b.choices[pl.ID])
		}
	}
	if viewer != 0 {
		return out, p.personalize(&out, s, viewer, b)
	}
	return out, false
}

// sharedPart is statusShared of s from the rendered cache, or rendered
// (and kept when s is cacheable).
func (p *Presenter) sharedPart(ctx context.Context, s *db.Status, b *statusBatch) Status {
	if e := b.hits[s.ID]; e != nil {
		b.kept[s.ID] = e
		return e.status
	}
	if e := b.kept[s.ID]; e != nil { // twice on a page (a post and its boost)
		return e.status
	}
	out := p.statusShared(ctx, s, b)
	if fp, ok := b.fresh[s.ID]; ok {
		b.kept[s.ID] = p.rendered.put(s.ID, fp, out)
	}
	return out
}

// statusShared renders what every viewer sees of s: the status, its
// author, attachments, mentions, hashtags and application (and a boost's
// own text blanked). Not the card: which one shows is remembered apart
// (card_memo.go) and the card itself read per page.
func (p *Presenter) statusShared(ctx context.Context, s *db.Status, b *statusBatch) Status {
	out := Status{
		ID: db.FormatID(s.ID), URI: s.URI, URL: OptString(s.URL), CreatedAt: Time(s.CreatedAt), Content: s.Content,
		Visibility: s.Visibility.String(), Sensitive: s.Sensitive, SpoilerText: s.SpoilerText,
		MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []TagRef{}, Emojis: []Emoji{},
		ReblogsCount: s.ReblogsCount, FavouritesCount: s.FavouritesCount, RepliesCount: s.RepliesCount,
		Language: OptString(s.Language), EditedAt: TimePtr(s.EditedAt),
	}
	if s.Account != nil {
		out.Account = p.account(ctx, s.Account, b.images)
	}
	if s.InReplyToID != nil {
		out.InReplyToID = ptr(db.FormatID(*s.InReplyToID))
	}
	if s.InReplyToAccountID != nil {
		out.InReplyToAccountID = ptr(db.FormatID(*s.InReplyToAccountID))
	}
	for _, m := range b.media[s.ID] {
		out.MediaAttachments = append(out.MediaAttachments, p.Media(m))
	}
	for _, a := range b.mentions[s.ID] {
		out.Mentions = append(out.Mentions, Mention{ID: db.FormatID(a.ID), Username: a.Username, URL: profileURL(a), Acct: a.Acct()})
	}
	for _, t := range b.tags[s.ID] {
		out.Tags = append(out.Tags, TagRef{Name: t.Name, URL: p.tagURL(t.Name)})
	}
	if s.ApplicationID != nil && s.Local {
		if app := b.apps[*s.ApplicationID]; app != nil {
			out.Application = &Application{Name: app.Name, Website: OptString(app.Website)}
		}
	}
	if s.Account != nil && s.Account.SensitizedAt != nil && len(out.MediaAttachments) > 0 {
		out.Sensitive = true // an admin marked the author's media sensitive
	}
	if s.ReblogOfID != nil {
		out.Content, out.Sensitive, out.SpoilerText = "", false, ""
	}
	return out
}

// personalize sets what differs for a signed-in viewer: favourited,
// reblogged, bookmarked, muted, pinned (own statuses) and the filters
// matched (others' statuses). It reports whether a "hide" filter removes s.
func (p *Presenter) personalize(out *Status, s *db.Status, viewer int64, b *statusBatch) (hidden bool) {
	in := b.interacted
	out.Favourited = ptr(in.Favourited[s.ID])
	out.Reblogged = ptr(in.Reblogged[s.ID])
	out.Bookmarked = ptr(in.Bookmarked[s.ID])
	out.Muted = ptr(in.MutedThreads[s.ThreadID])
	if s.AccountID == viewer && s.ReblogOfID == nil {
		out.Pinned = ptr(in.Pinned[s.ID])
	}
	out.Filtered = []FilterResult{}
	if b.filters != nil && s.AccountID != viewer {
		results, hide := b.filters.Match(s, b.filterScope)
		if hide {
			return true
		}
		out.Filtered = results
	}
	return false
}
