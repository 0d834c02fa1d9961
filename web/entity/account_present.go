package entity

import (
	"context"
	"strconv"
	"time"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
)

// DefaultAvatarPath and DefaultHeaderPath are the images of accounts without
// an avatar or header (the header is also the instance's thumbnail).
const (
	DefaultAvatarPath = "/static/avatar.png"
	DefaultHeaderPath = "/static/header.png"
)

// Account renders an account.
func (p *Presenter) Account(ctx context.Context, a *db.Account) Account {
	out := p.account(ctx, a, nil)
	p.addAccountEmojis(ctx, []*Account{&out})
	return out
}

// Accounts renders a list of accounts, loading their images in one query.
func (p *Presenter) Accounts(ctx context.Context, list []*db.Account) []Account {
	media := p.accountMedia(ctx, list)
	out := make([]Account, 0, len(list))
	for _, a := range list {
		out = append(out, p.account(ctx, a, media))
	}
	refs := make([]*Account, len(out))
	for i := range out {
		refs[i] = &out[i]
	}
	p.addAccountEmojis(ctx, refs)
	return out
}

// accountMedia loads the avatars and headers of accounts.
func (p *Presenter) accountMedia(ctx context.Context, list []*db.Account) map[int64]*db.MediaAttachment {
	var ids []int64
	for _, a := range list {
		if a.AvatarMediaID != nil {
			ids = append(ids, *a.AvatarMediaID)
		}
		if a.HeaderMediaID != nil {
			ids = append(ids, *a.HeaderMediaID)
		}
	}
	m, err := p.db.MediaByIDs(ctx, ids)
	if err != nil {
		p.log.Warn("load account images", "err", err)
	}
	return m
}

// accountImage is the URL of an avatar or header: the stored file, the
// remote URL, or the default image. media is the batch of loaded images;
// without one (nil) the image is loaded on its own.
func (p *Presenter) accountImage(ctx context.Context, id *int64, remote string, media map[int64]*db.MediaAttachment, fallback string) string {
	if id != nil {
		m := media[*id]
		if m == nil && media == nil {
			m, _ = p.db.MediaByID(ctx, *id)
		}
		if m != nil {
			return p.mediaURL(m)
		}
	}
	if remote != "" {
		return remote
	}
	return p.baseURL + fallback
}

func (p *Presenter) account(ctx context.Context, a *db.Account, media map[int64]*db.MediaAttachment) Account {
	avatar := p.accountImage(ctx, a.AvatarMediaID, a.AvatarRemoteURL, media, DefaultAvatarPath)
	header := p.accountImage(ctx, a.HeaderMediaID, a.HeaderRemoteURL, media, DefaultHeaderPath)
	fields := make([]Field, 0, len(a.Fields))
	for _, f := range a.Fields {
		fields = append(fields, Field{Name: f.Name, Value: f.Value, VerifiedAt: TimePtr(f.VerifiedAt)})
	}
	out := Account{
		ID: db.FormatID(a.ID), Username: a.Username, Acct: a.Acct(), URL: profileURL(a), URI: a.URI,
		DisplayName: a.DisplayName, Note: a.Note, Avatar: avatar, AvatarStatic: avatar, Header: header, HeaderStatic: header,
		Locked: a.Locked, Fields: fields, Emojis: []Emoji{}, Bot: a.Bot || a.ActorType == "Service" || a.ActorType == "Application",
		Group: a.ActorType == "Group", Discoverable: ptr(a.Discoverable), Indexable: a.Indexable,
		HideCollections: ptr(a.HideCollections), Noindex: !a.Indexable,
		CreatedAt:     Time(a.CreatedAt.UTC().Truncate(24 * time.Hour)),
		StatusesCount: a.StatusesCount, FollowersCount: a.FollowersCount, FollowingCount: a.FollowingCount,
		Roles: []Role{}, Suspended: a.Suspended(), Limited: a.SilencedAt != nil, Memorial: a.Memorial, Brand: a.IsBrand,
	}
	if a.LastStatusAt != nil {
		out.LastStatusAt = ptr(a.LastStatusAt.UTC().Format("2006-01-02"))
	}
	if a.MovedToAccountID != nil {
		if moved, err := p.db.AccountByID(ctx, *a.MovedToAccountID); err == nil && moved.MovedToAccountID == nil {
			m := p.account(ctx, moved, nil)
			out.Moved = &m
		}
	}
	if a.Suspended() {
		p.hideSuspended(&out)
	}
	return out
}

// hideSuspended blanks a suspended account's profile, images included, as
// Mastodon does.
func (p *Presenter) hideSuspended(out *Account) {
	out.DisplayName, out.Note, out.Fields = "", "", []Field{}
	out.StatusesCount, out.FollowersCount, out.FollowingCount = 0, 0, 0
	out.Avatar = p.baseURL + DefaultAvatarPath
	out.Header = p.baseURL + DefaultHeaderPath
	out.AvatarStatic, out.HeaderStatic = out.Avatar, out.Header
	out.Locked, out.Bot, out.Group, out.LastStatusAt = false, false, false, nil
}

// profileURL is an account's profile page (its URI when it has none).
func profileURL(a *db.Account) string {
	if a.URL != "" {
		return a.URL
	}
	return a.URI
}

// CredentialAccount renders the caller's own account with its source (the
// plain text of bio and fields, posting defaults) and role; u is the login
// behind it (nil for a brand acted as by a member).
func (p *Presenter) CredentialAccount(ctx context.Context, a *db.Account, u *db.User) (CredentialAccount, error) {
	requests, err := p.db.CountFollowRequests(ctx, a.ID)
	if err != nil {
		return CredentialAccount{}, err
	}
	fields := make([]Field, 0, len(a.Fields))
	for _, f := range a.Fields {
		src := f.Source
		if src == "" {
			src = content.PlainText(f.Value)
		}
		fields = append(fields, Field{Name: f.Name, Value: src, VerifiedAt: TimePtr(f.VerifiedAt)})
	}
	src := Source{Privacy: "public", Note: a.NoteSource, Fields: fields, FollowRequestsCount: requests,
		HideCollections: a.HideCollections, Discoverable: a.Discoverable, Indexable: a.Indexable}
	role := UserRole(db.RoleUser)
	if u != nil {
		src.Privacy, src.Sensitive, src.Language = u.DefaultPrivacy, u.DefaultSensitive, u.DefaultLanguage
		if src.Privacy == "" {
			src.Privacy = "public"
		}
		role = UserRole(u.Role)
	}
	return CredentialAccount{Account: p.Account(ctx, a), Source: src, Role: role}, nil
}

// UserRole is Mastodon's Role of a user: the built-in roles with the
// permission bits of what Kontor lets that role do (scopes.RolePermissions),
// so apps offer only the moderation screens that work.
func UserRole(role string) *Role {
	perms := strconv.FormatInt(scopes.RolePermissions(role), 10)
	switch role {
	case db.RoleAdmin:
		return &Role{ID: "3", Name: "Admin", Color: "", Permissions: perms, Highlighted: true}
	case db.RoleModerator:
		return &Role{ID: "1", Name: "Moderator", Color: "", Permissions: perms, Highlighted: true}
	}
	return &Role{ID: "-99", Name: "", Color: "", Permissions: perms, Highlighted: false}
}
