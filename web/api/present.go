package api

import (
	"context"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
)

// Default images for accounts without an avatar or header.
const (
	defaultAvatarPath = "/static/avatar.png"
	defaultHeaderPath = "/static/header.png"
)

// Account renders an account.
func (h *Handlers) Account(ctx context.Context, a *db.Account) entity.Account {
	return h.accountEntity(ctx, a, nil)
}

// Accounts renders a list of accounts, loading their images in one query.
func (h *Handlers) Accounts(ctx context.Context, list []*db.Account) []entity.Account {
	media := h.accountMedia(ctx, list)
	out := make([]entity.Account, 0, len(list))
	for _, a := range list {
		out = append(out, h.accountEntity(ctx, a, media))
	}
	return out
}

// accountMedia loads the avatars and headers of accounts.
func (h *Handlers) accountMedia(ctx context.Context, list []*db.Account) map[int64]*db.MediaAttachment {
	var ids []int64
	for _, a := range list {
		if a.AvatarMediaID != nil {
			ids = append(ids, *a.AvatarMediaID)
		}
		if a.HeaderMediaID != nil {
			ids = append(ids, *a.HeaderMediaID)
		}
	}
	m, err := h.DB.MediaByIDs(ctx, ids)
	if err != nil {
		h.Log.Warn("load account images", "err", err)
	}
	return m
}

func (h *Handlers) accountImage(id *int64, remote string, media map[int64]*db.MediaAttachment, ctx context.Context, fallback string) string {
	if id != nil {
		m := media[*id]
		if m == nil && media == nil {
			m, _ = h.DB.MediaByID(ctx, *id)
		}
		if m != nil {
			return h.Engine.MediaURL(m)
		}
	}
	if remote != "" {
		return remote
	}
	return h.Config.BaseURL() + fallback
}

func (h *Handlers) accountEntity(ctx context.Context, a *db.Account, media map[int64]*db.MediaAttachment) entity.Account {
	avatar := h.accountImage(a.AvatarMediaID, a.AvatarRemoteURL, media, ctx, defaultAvatarPath)
	header := h.accountImage(a.HeaderMediaID, a.HeaderRemoteURL, media, ctx, defaultHeaderPath)
	fields := make([]entity.Field, 0, len(a.Fields))
	for _, f := range a.Fields {
		fields = append(fields, entity.Field{Name: f.Name, Value: f.Value, VerifiedAt: entity.TimePtr(f.VerifiedAt)})
	}
	url := a.URL
	if url == "" {
		url = a.URI
	}
	out := entity.Account{
		ID: db.FormatID(a.ID), Username: a.Username, Acct: a.Acct(), URL: url, URI: a.URI,
		DisplayName: a.DisplayName, Note: a.Note, Avatar: avatar, AvatarStatic: avatar, Header: header, HeaderStatic: header,
		Locked: a.Locked, Fields: fields, Emojis: []entity.Emoji{}, Bot: a.Bot || a.ActorType == "Service" || a.ActorType == "Application",
		Group: a.ActorType == "Group", Discoverable: ptr(a.Discoverable), Indexable: a.Indexable,
		HideCollections: ptr(a.HideCollections), Noindex: !a.Indexable,
		CreatedAt:     entity.Time(a.CreatedAt.UTC().Truncate(24 * time.Hour)),
		StatusesCount: a.StatusesCount, FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount,
		Roles: []entity.Role{}, Suspended: a.Suspended(), Memorial: a.Memorial, Brand: a.IsBrand,
	}
	if a.LastStatusAt != nil {
		out.LastStatusAt = ptr(a.LastStatusAt.UTC().Format("2006-01-02"))
	}
	if a.MovedToAccountID != nil {
		if moved, err := h.DB.AccountByID(ctx, *a.MovedToAccountID); err == nil && moved.MovedToAccountID == nil {
			m := h.accountEntity(ctx, moved, nil)
			out.Moved = &m
		}
	}
	if a.Suspended() {
		// Mastodon hides a suspended account's profile, images included.
		out.DisplayName, out.Note, out.Fields = "", "", []entity.Field{}
		out.StatusesCount, out.FollowersCount, out.FollowingCount = 0, 0, 0
		out.Avatar = h.Config.BaseURL() + defaultAvatarPath
		out.Header = h.Config.BaseURL() + defaultHeaderPath
		out.AvatarStatic, out.HeaderStatic = out.Avatar, out.Header
		out.Locked, out.Bot, out.Group, out.LastStatusAt = false, false, false, nil
	}
	return out
}

// media renders an attachment.
func (h *Handlers) media(m *db.MediaAttachment) entity.MediaAttachment {
	out := entity.MediaAttachment{ID: db.FormatID(m.ID), Type: m.Kind}
	if out.Type == "" {
		out.Type = "unknown"
	}
	if m.FileKey != "" || m.RemoteURL != "" {
		out.URL = ptr(h.Engine.MediaURL(m))
		// Video and audio without a thumbnail have no preview image (as on
		// Mastodon): their file is no picture for a client to show.
		if m.PreviewKey != "" || m.PreviewRemoteURL != "" || m.Kind == "image" {
			out.PreviewURL = ptr(h.Engine.MediaPreviewURL(m))
		}
	}
	if m.RemoteURL != "" {
		out.RemoteURL = ptr(m.RemoteURL)
	}
	if m.PreviewRemoteURL != "" {
		out.PreviewRemoteURL = ptr(m.PreviewRemoteURL)
	}
	if m.Description != "" {
		out.Description = ptr(m.Description)
	}
	if m.Blurhash != "" {
		out.Blurhash = ptr(m.Blurhash)
	}
	meta := &entity.MediaMeta{}
	if o := m.Meta.Original; o != nil {
		meta.Original = &entity.MediaSize{Width: o.Width, Height: o.Height, Size: o.Size, Aspect: o.Aspect, Duration: o.Duration}
	}
	if s := m.Meta.Small; s != nil {
		meta.Small = &entity.MediaSize{Width: s.Width, Height: s.Height, Size: s.Size, Aspect: s.Aspect}
	}
	if f := m.Meta.Focus; f != nil {
		meta.Focus = &entity.Focus{X: f.X, Y: f.Y}
	}
	out.Meta = meta
	return out
}

// statusBatch is everything needed to render a page of statuses.
type statusBatch struct {
	reblogs     map[int64]*db.Status
	media       map[int64][]*db.MediaAttachment
	mentions    map[int64][]*db.Account
	tags        map[int64][]*db.Tag
	polls       map[int64]*db.Poll
	choices     map[int64][]int
	apps        map[int64]*db.App
	interacted  *db.Interactions
	images      map[int64]*db.MediaAttachment
	filters     *filterSet
	filterScope string
}

// Statuses renders statuses for viewer (0: anonymous) with a fixed number
// of queries. Boosts whose original the viewer may not see are left out.
func (h *Handlers) Statuses(ctx context.Context, viewer int64, list []*db.Status) ([]entity.Status, error) {
	return h.statusesIn(ctx, viewer, list, "")
}

// statusesIn renders statuses and applies the viewer's filters of a context
// (home, notifications, public, thread, account) when scope is set.
func (h *Handlers) statusesIn(ctx context.Context, viewer int64, list []*db.Status, scope string) ([]entity.Status, error) {
	b := &statusBatch{filterScope: scope}
	var reblogIDs []int64
	for _, s := range list {
		if s.ReblogOfID != nil {
			reblogIDs = append(reblogIDs, *s.ReblogOfID)
		}
	}
	var err error
	if b.reblogs, err = h.DB.VisibleStatusesByIDs(ctx, reblogIDs, db.ViewerOf(viewer)); err != nil {
		return nil, err
	}
	var ids, threadIDs, pollIDs, appIDs []int64
	var accounts []*db.Account
	add := func(s *db.Status) {
		ids = append(ids, s.ID)
		threadIDs = append(threadIDs, s.ThreadID)
		if s.PollID != nil {
			pollIDs = append(pollIDs, *s.PollID)
		}
		if s.ApplicationID != nil {
			appIDs = append(appIDs, *s.ApplicationID)
		}
		if s.Account != nil {
			accounts = append(accounts, s.Account)
		}
	}
	for _, s := range list {
		add(s)
	}
	for _, s := range b.reblogs {
		add(s)
	}
	if b.media, err = h.DB.MediaForStatuses(ctx, ids); err != nil {
		return nil, err
	}
	if b.mentions, err = h.DB.MentionsForStatuses(ctx, ids); err != nil {
		return nil, err
	}
	if b.tags, err = h.DB.TagsForStatuses(ctx, ids); err != nil {
		return nil, err
	}
	if b.polls, err = h.DB.PollsByIDs(ctx, pollIDs); err != nil {
		return nil, err
	}
	if b.choices, err = h.DB.PollChoices(ctx, viewer, pollIDs); err != nil {
		return nil, err
	}
	if b.apps, err = h.DB.AppsByIDs(ctx, appIDs); err != nil {
		return nil, err
	}
	if b.interacted, err = h.DB.ViewerInteractions(ctx, viewer, ids, threadIDs); err != nil {
		return nil, err
	}
	b.images = h.accountMedia(ctx, accounts)
	if scope != "" && viewer != 0 {
		if b.filters, err = h.loadFilters(ctx, viewer); err != nil {
			return nil, err
		}
	}
	out := make([]entity.Status, 0, len(list))
	for _, s := range list {
		if s.ReblogOfID != nil && b.reblogs[*s.ReblogOfID] == nil {
			continue
		}
		st, hidden := h.statusEntity(ctx, viewer, s, b)
		if hidden {
			continue
		}
		out = append(out, st)
	}
	return out, nil
}

// Status renders one status.
func (h *Handlers) Status(ctx context.Context, viewer int64, s *db.Status) (entity.Status, error) {
	list, err := h.Statuses(ctx, viewer, []*db.Status{s})
	if err != nil {
		return entity.Status{}, err
	}
	if len(list) == 0 {
		return entity.Status{}, errNotFound
	}
	return list[0], nil
}

func (h *Handlers) statusEntity(ctx context.Context, viewer int64, s *db.Status, b *statusBatch) (entity.Status, bool) {
	out := entity.Status{
		ID: db.FormatID(s.ID), URI: s.URI, CreatedAt: entity.Time(s.CreatedAt), Content: s.Content,
		Visibility: s.Visibility.String(), Sensitive: s.Sensitive, SpoilerText: s.SpoilerText,
		MediaAttachments: []entity.MediaAttachment{}, Mentions: []entity.Mention{}, Tags: []entity.TagRef{}, Emojis: []entity.Emoji{},
		ReblogsCount: s.ReblogsCount, FavouritesCount: s.FavouritesCount, RepliesCount: s.RepliesCount,
		Language: entity.OptString(s.Language), EditedAt: entity.TimePtr(s.EditedAt),
	}
	if s.URL != "" {
		out.URL = ptr(s.URL)
	}
	if s.Account != nil {
		out.Account = h.accountEntity(ctx, s.Account, b.images)
	}
	if s.InReplyToID != nil {
		out.InReplyToID = ptr(db.FormatID(*s.InReplyToID))
	}
	if s.InReplyToAccountID != nil {
		out.InReplyToAccountID = ptr(db.FormatID(*s.InReplyToAccountID))
	}
	if s.ReblogOfID != nil {
		orig := b.reblogs[*s.ReblogOfID]
		inner, hidden := h.statusEntity(ctx, viewer, orig, b)
		if hidden {
			return out, true
		}
		out.Reblog = &inner
		out.Content, out.Sensitive, out.SpoilerText = "", false, ""
	}
	for _, m := range b.media[s.ID] {
		out.MediaAttachments = append(out.MediaAttachments, h.media(m))
	}
	for _, a := range b.mentions[s.ID] {
		url := a.URL
		if url == "" {
			url = a.URI
		}
		out.Mentions = append(out.Mentions, entity.Mention{ID: db.FormatID(a.ID), Username: a.Username, URL: url, Acct: a.Acct()})
	}
	for _, t := range b.tags[s.ID] {
		out.Tags = append(out.Tags, entity.TagRef{Name: t.Name, URL: h.Engine.URLs().Tag(t.Name)})
	}
	if s.ApplicationID != nil && s.Local {
		if app := b.apps[*s.ApplicationID]; app != nil {
			out.Application = &entity.Application{Name: app.Name, Website: entity.OptString(app.Website)}
		}
	}
	if s.PollID != nil {
		if p := b.polls[*s.PollID]; p != nil {
			out.Poll = h.pollEntity(p, viewer, b.choices[p.ID])
		}
	}
	if viewer != 0 {
		in := b.interacted
		out.Favourited = ptr(in.Favourited[s.ID])
		out.Reblogged = ptr(in.Reblogged[s.ID])
		out.Bookmarked = ptr(in.Bookmarked[s.ID])
		out.Muted = ptr(in.MutedThreads[s.ThreadID])
		if s.AccountID == viewer && s.ReblogOfID == nil {
			out.Pinned = ptr(in.Pinned[s.ID])
		}
		out.Filtered = []entity.FilterResult{}
		if b.filters != nil && s.AccountID != viewer {
			results, hide := b.filters.match(s, b.filterScope)
			if hide {
				return out, true
			}
			out.Filtered = results
		}
	}
	return out, false
}

// pollEntity renders a poll; totals stay hidden until it ends when the
// author asked so (except to the author).
func (h *Handlers) pollEntity(p *db.Poll, viewer int64, own []int) *entity.Poll {
	out := &entity.Poll{ID: db.FormatID(p.ID), ExpiresAt: entity.TimePtr(p.ExpiresAt), Expired: p.Expired(), Multiple: p.Multiple,
		VotesCount: p.VotesCount, Options: make([]entity.PollOption, 0, len(p.Options)), Emojis: []entity.Emoji{}}
	if p.Multiple {
		out.VotersCount = ptr(p.VotersCount)
	}
	hide := p.HideTotals && !p.Expired() && p.AccountID != viewer
	for _, o := range p.Options {
		opt := entity.PollOption{Title: o.Title}
		if !hide {
			opt.VotesCount = ptr(o.VotesCount)
		}
		out.Options = append(out.Options, opt)
	}
	if viewer != 0 {
		out.Voted = ptr(len(own) > 0 || p.AccountID == viewer)
		out.OwnVotes = own
		if out.OwnVotes == nil {
			out.OwnVotes = []int{}
		}
	}
	return out
}
