package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Status is a post, a reply or a boost (ReblogOfID set), local or remote.
type Status struct {
	bun.BaseModel `bun:"table:statuses,alias:s"`

	ID                  int64      `bun:"id,pk"`
	URI                 string     `bun:"uri"`
	URL                 string     `bun:"url"`
	AccountID           int64      `bun:"account_id"`
	Local               bool       `bun:"local"`
	Visibility          Visibility `bun:"visibility"`
	InReplyToID         *int64     `bun:"in_reply_to_id"`
	InReplyToAccountID  *int64     `bun:"in_reply_to_account_id"`
	InReplyToURI        string     `bun:"in_reply_to_uri"`
	ReblogOfID          *int64     `bun:"reblog_of_id"`
	ThreadID            int64      `bun:"thread_id"`
	Content             string     `bun:"content"`
	Text                string     `bun:"text"`
	SpoilerText         string     `bun:"spoiler_text"`
	Sensitive           bool       `bun:"sensitive"`
	Language            string     `bun:"language"`
	HasMedia            bool       `bun:"has_media"`
	PollID              *int64     `bun:"poll_id"`
	ApplicationID       *int64     `bun:"application_id"`
	QuoteOfID           *int64     `bun:"quote_of_id"`
	RepliesCount        int64      `bun:"replies_count"`
	ReblogsCount        int64      `bun:"reblogs_count"`
	FavouritesCount     int64      `bun:"favourites_count"`
	CreatedAt           time.Time  `bun:"created_at"`
	EditedAt            *time.Time `bun:"edited_at"`
	UpdatedAt           time.Time  `bun:"updated_at"`
	Account             *Account   `bun:"rel:belongs-to,join:account_id=id"`
	ReblogOf            *Status    `bun:"-"`
	MentionedAccountIDs []int64    `bun:"-"`
}

// Mention links a status to an account it mentions.
type Mention struct {
	bun.BaseModel `bun:"table:status_mentions"`

	StatusID  int64 `bun:"status_id,pk"`
	AccountID int64 `bun:"account_id,pk"`
	Silent    bool  `bun:"silent"`
}

// Tag is a hashtag; Name is normalized (lowercase).
type Tag struct {
	bun.BaseModel `bun:"table:tags,alias:t"`

	ID           int64      `bun:"id,pk"`
	Name         string     `bun:"name"`
	DisplayName  string     `bun:"display_name"`
	LastStatusAt *time.Time `bun:"last_status_at"`
	CreatedAt    time.Time  `bun:"created_at"`
}

// StatusTag links a status to a hashtag.
type StatusTag struct {
	bun.BaseModel `bun:"table:status_tags"`

	StatusID int64 `bun:"status_id,pk"`
	TagID    int64 `bun:"tag_id,pk"`
}

// StatusEdit is one earlier version of an edited status.
type StatusEdit struct {
	bun.BaseModel `bun:"table:status_edits"`

	ID          int64     `bun:"id,pk"`
	StatusID    int64     `bun:"status_id"`
	AccountID   int64     `bun:"account_id"`
	Content     string    `bun:"content"`
	Text        string    `bun:"text"`
	SpoilerText string    `bun:"spoiler_text"`
	Sensitive   bool      `bun:"sensitive"`
	MediaIDs    []int64   `bun:"media_ids,type:text"`
	PollOptions []string  `bun:"poll_options,type:text"`
	CreatedAt   time.Time `bun:"created_at"`
}

// MediaMeta is the size information of an attachment (Mastodon's meta).
type MediaMeta struct {
	Original *MediaDimensions `json:"original,omitempty"`
	Small    *MediaDimensions `json:"small,omitempty"`
	Focus    *MediaFocus      `json:"focus,omitempty"`
}

// MediaDimensions are the pixel size of one variant.
type MediaDimensions struct {
	Width    int     `json:"width,omitempty"`
	Height   int     `json:"height,omitempty"`
	Size     string  `json:"size,omitempty"`
	Aspect   float64 `json:"aspect,omitempty"`
	Duration float64 `json:"duration,omitempty"`
}

// MediaFocus is the focal point, x and y in [-1, 1].
type MediaFocus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MediaAttachment is an uploaded file or a remote one referenced by URL.
type MediaAttachment struct {
	bun.BaseModel `bun:"table:media_attachments,alias:m"`

	ID                int64      `bun:"id,pk"`
	AccountID         int64      `bun:"account_id"`
	StatusID          *int64     `bun:"status_id"`
	ScheduledStatusID *int64     `bun:"scheduled_status_id"`
	Kind              string     `bun:"kind"`
	ContentType       string     `bun:"content_type"`
	FileKey           string     `bun:"file_key"`
	PreviewKey        string     `bun:"preview_key"`
	FileSize          int64      `bun:"file_size"`
	RemoteURL         string     `bun:"remote_url"`
	PreviewRemoteURL  string     `bun:"preview_remote_url"`
	Description       string     `bun:"description"`
	Blurhash          string     `bun:"blurhash"`
	Meta              MediaMeta  `bun:"meta,type:text"`
	Position          int64      `bun:"position"`
	CachedAt          *time.Time `bun:"cached_at"`
	CreatedAt         time.Time  `bun:"created_at"`
	UpdatedAt         time.Time  `bun:"updated_at"`
}

// Favourite is a like.
type Favourite struct {
	bun.BaseModel `bun:"table:favourites"`

	ID        int64     `bun:"id,pk"`
	AccountID int64     `bun:"account_id"`
	StatusID  int64     `bun:"status_id"`
	URI       string    `bun:"uri"`
	CreatedAt time.Time `bun:"created_at"`
}

// Follow is a follow relationship; Accepted is false while it is a request.
type Follow struct {
	bun.BaseModel `bun:"table:follows,alias:f"`

	ID              int64     `bun:"id,pk"`
	AccountID       int64     `bun:"account_id"`
	TargetAccountID int64     `bun:"target_account_id"`
	URI             string    `bun:"uri"`
	Accepted        bool      `bun:"accepted"`
	ShowReblogs     bool      `bun:"show_reblogs"`
	Notify          bool      `bun:"notify"`
	Languages       string    `bun:"languages"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

// Block is one account blocking another.
type Block struct {
	bun.BaseModel `bun:"table:blocks"`

	ID              int64     `bun:"id,pk"`
	AccountID       int64     `bun:"account_id"`
	TargetAccountID int64     `bun:"target_account_id"`
	URI             string    `bun:"uri"`
	CreatedAt       time.Time `bun:"created_at"`
}

// Mute hides an account from a user's timelines (and notifications).
type Mute struct {
	bun.BaseModel `bun:"table:mutes"`

	ID                int64      `bun:"id,pk"`
	AccountID         int64      `bun:"account_id"`
	TargetAccountID   int64      `bun:"target_account_id"`
	HideNotifications bool       `bun:"hide_notifications"`
	ExpiresAt         *time.Time `bun:"expires_at"`
	CreatedAt         time.Time  `bun:"created_at"`
}

// Notification types.
const (
	NotifyMention       = "mention"
	NotifyStatus        = "status"
	NotifyReblog        = "reblog"
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyFavourite     = "favourite"
	NotifyPoll          = "poll"
	NotifyUpdate        = "update"
	NotifyMove          = "move"
	NotifyAdminSignUp   = "admin.sign_up"
	NotifyAdminReport   = "admin.report"
)

// Notification tells a local account that something happened.
type Notification struct {
	bun.BaseModel `bun:"table:notifications,alias:n"`

	ID            int64     `bun:"id,pk"`
	AccountID     int64     `bun:"account_id"`
	Type          string    `bun:"type"`
	FromAccountID int64     `bun:"from_account_id"`
	StatusID      *int64    `bun:"status_id"`
	ReportID      *int64    `bun:"report_id"` // admin.report
	CreatedAt     time.Time `bun:"created_at"`
}

// Poll belongs to a status (a Question).
type Poll struct {
	bun.BaseModel `bun:"table:polls,alias:p"`

	ID             int64        `bun:"id,pk"`
	StatusID       *int64       `bun:"status_id"`
	AccountID      int64        `bun:"account_id"`
	Options        []PollOption `bun:"options,type:text"`
	Multiple       bool         `bun:"multiple"`
	HideTotals     bool         `bun:"hide_totals"`
	VotesCount     int64        `bun:"votes_count"`
	VotersCount    int64        `bun:"voters_count"`
	ExpiresAt      *time.Time   `bun:"expires_at"`
	ClosedNotified bool         `bun:"closed_notified"`
	LastFetchedAt  *time.Time   `bun:"last_fetched_at"`
	CreatedAt      time.Time    `bun:"created_at"`
	UpdatedAt      time.Time    `bun:"updated_at"`
}

// PollOption is one choice and its vote count.
type PollOption struct {
	Title      string `json:"title"`
	VotesCount int64  `json:"votes_count"`
}

// Expired reports whether voting has ended.
func (p *Poll) Expired() bool { return p.ExpiresAt != nil && !p.ExpiresAt.After(time.Now()) }

// PollVote is one account's choice.
type PollVote struct {
	bun.BaseModel `bun:"table:poll_votes"`

	ID        int64     `bun:"id,pk"`
	PollID    int64     `bun:"poll_id"`
	AccountID int64     `bun:"account_id"`
	Choice    int64     `bun:"choice"`
	URI       string    `bun:"uri"`
	CreatedAt time.Time `bun:"created_at"`
}
