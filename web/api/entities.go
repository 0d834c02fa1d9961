package api

import (
	"time"
)

// Mastodon API entities. Every documented field is sent (clients such as
// Tusky fail on a missing non-null field), using [], "", false, 0 or null.

// TimeFormat is the API's timestamp layout: always three fractional digits.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// apiTime formats a timestamp for the API.
func apiTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// apiTimePtr formats an optional timestamp (nil stays null).
func apiTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}

// Emoji is a custom emoji.
type Emoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
	Category        any    `json:"category"`
}

// Field is a profile field.
type Field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// Role is the role badge of an account.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

// Account is Mastodon's Account entity.
type Account struct {
	ID              string   `json:"id"`
	Username        string   `json:"username"`
	Acct            string   `json:"acct"`
	URL             string   `json:"url"`
	URI             string   `json:"uri"`
	DisplayName     string   `json:"display_name"`
	Note            string   `json:"note"`
	Avatar          string   `json:"avatar"`
	AvatarStatic    string   `json:"avatar_static"`
	Header          string   `json:"header"`
	HeaderStatic    string   `json:"header_static"`
	Locked          bool     `json:"locked"`
	Fields          []Field  `json:"fields"`
	Emojis          []Emoji  `json:"emojis"`
	Bot             bool     `json:"bot"`
	Group           bool     `json:"group"`
	Discoverable    *bool    `json:"discoverable"`
	Indexable       bool     `json:"indexable"`
	HideCollections *bool    `json:"hide_collections"`
	Noindex         bool     `json:"noindex"`
	CreatedAt       string   `json:"created_at"`
	LastStatusAt    *string  `json:"last_status_at"`
	StatusesCount   int64    `json:"statuses_count"`
	FollowersCount  int64    `json:"followers_count"`
	FollowingCount  int64    `json:"following_count"`
	Roles           []Role   `json:"roles"`
	Moved           *Account `json:"moved,omitempty"`
	Suspended       bool     `json:"suspended,omitempty"`
	Limited         bool     `json:"limited,omitempty"`
	Memorial        bool     `json:"memorial,omitempty"`
	// Kontor: a brand (organization) account run by a team.
	Brand bool `json:"kontor_brand,omitempty"`
}

// Source is the editable source of the user's own profile.
type Source struct {
	Privacy             string  `json:"privacy"`
	Sensitive           bool    `json:"sensitive"`
	Language            string  `json:"language"`
	Note                string  `json:"note"`
	Fields              []Field `json:"fields"`
	FollowRequestsCount int64   `json:"follow_requests_count"`
	HideCollections     bool    `json:"hide_collections"`
	Discoverable        bool    `json:"discoverable"`
	Indexable           bool    `json:"indexable"`
}

// CredentialAccount is the user's own Account with its source and role.
type CredentialAccount struct {
	Account
	Source Source `json:"source"`
	Role   *Role  `json:"role"`
}

// MediaMeta is an attachment's sizes.
type MediaMeta struct {
	Original *MediaSize `json:"original,omitempty"`
	Small    *MediaSize `json:"small,omitempty"`
	Focus    *Focus     `json:"focus,omitempty"`
}

// MediaSize is one variant's size.
type MediaSize struct {
	Width    int     `json:"width,omitempty"`
	Height   int     `json:"height,omitempty"`
	Size     string  `json:"size,omitempty"`
	Aspect   float64 `json:"aspect,omitempty"`
	Duration float64 `json:"duration,omitempty"`
}

// Focus is an attachment's focal point.
type Focus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MediaAttachment is Mastodon's MediaAttachment entity.
type MediaAttachment struct {
	ID               string     `json:"id"`
	Type             string     `json:"type"`
	URL              *string    `json:"url"`
	PreviewURL       *string    `json:"preview_url"`
	RemoteURL        *string    `json:"remote_url"`
	PreviewRemoteURL *string    `json:"preview_remote_url"`
	TextURL          *string    `json:"text_url"`
	Meta             *MediaMeta `json:"meta"`
	Description      *string    `json:"description"`
	Blurhash         *string    `json:"blurhash"`
}

// Mention is a mentioned account in a status.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// TagRef is a hashtag in a status.
type TagRef struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Application is the app a status was posted with.
type Application struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

// PollOption is one choice of a poll.
type PollOption struct {
	Title      string `json:"title"`
	VotesCount *int64 `json:"votes_count"`
}

// Poll is Mastodon's Poll entity.
type Poll struct {
	ID          string       `json:"id"`
	ExpiresAt   *string      `json:"expires_at"`
	Expired     bool         `json:"expired"`
	Multiple    bool         `json:"multiple"`
	VotesCount  int64        `json:"votes_count"`
	VotersCount *int64       `json:"voters_count"`
	Options     []PollOption `json:"options"`
	Emojis      []Emoji      `json:"emojis"`
	Voted       *bool        `json:"voted"`
	OwnVotes    []int        `json:"own_votes"`
}

// FilterResult tells a client that a status matched one of its filters.
type FilterResult struct {
	Filter         any      `json:"filter"`
	KeywordMatches []string `json:"keyword_matches"`
	StatusMatches  []string `json:"status_matches"`
}

// Status is Mastodon's Status entity.
type Status struct {
	ID                 string            `json:"id"`
	URI                string            `json:"uri"`
	URL                *string           `json:"url"`
	CreatedAt          string            `json:"created_at"`
	Account            Account           `json:"account"`
	Content            string            `json:"content"`
	Visibility         string            `json:"visibility"`
	Sensitive          bool              `json:"sensitive"`
	SpoilerText        string            `json:"spoiler_text"`
	MediaAttachments   []MediaAttachment `json:"media_attachments"`
	Application        *Application      `json:"application"`
	Mentions           []Mention         `json:"mentions"`
	Tags               []TagRef          `json:"tags"`
	Emojis             []Emoji           `json:"emojis"`
	ReblogsCount       int64             `json:"reblogs_count"`
	FavouritesCount    int64             `json:"favourites_count"`
	RepliesCount       int64             `json:"replies_count"`
	QuotesCount        int64             `json:"quotes_count"`
	InReplyToID        *string           `json:"in_reply_to_id"`
	InReplyToAccountID *string           `json:"in_reply_to_account_id"`
	Reblog             *Status           `json:"reblog"`
	Poll               *Poll             `json:"poll"`
	Card               any               `json:"card"`
	Language           *string           `json:"language"`
	Text               *string           `json:"text"`
	EditedAt           *string           `json:"edited_at"`
	Favourited         *bool             `json:"favourited,omitempty"`
	Reblogged          *bool             `json:"reblogged,omitempty"`
	Muted              *bool             `json:"muted,omitempty"`
	Bookmarked         *bool             `json:"bookmarked,omitempty"`
	Pinned             *bool             `json:"pinned,omitempty"`
	Filtered           []FilterResult    `json:"filtered,omitzero"` // [] for a signed-in viewer, absent anonymously
}

// Notification is Mastodon's Notification entity.
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	GroupKey  string  `json:"group_key"`
	CreatedAt string  `json:"created_at"`
	Account   Account `json:"account"`
	Status    *Status `json:"status,omitempty"`
}

// Relationship is Mastodon's Relationship entity.
type Relationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	MutingExpiresAt     *string  `json:"muting_expires_at"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

func ptr[T any](v T) *T { return &v }

func strPtrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
