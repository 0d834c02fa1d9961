package entity

// ScheduledStatus is Mastodon's ScheduledStatus entity.
type ScheduledStatus struct {
	ID               string                `json:"id"`
	ScheduledAt      string                `json:"scheduled_at"`
	Params           ScheduledStatusParams `json:"params"`
	MediaAttachments []MediaAttachment     `json:"media_attachments"`
}

// ScheduledStatusParams are the parameters the status will be posted with.
// Defaults (visibility, sensitive, language) are filled in; in_reply_to_id
// is a string, as Mastodon stores what clients send (and Tusky reads it so).
type ScheduledStatusParams struct {
	Text          string               `json:"text"`
	Poll          *ScheduledPollParams `json:"poll"`
	MediaIDs      []string             `json:"media_ids"`
	Sensitive     bool                 `json:"sensitive"`
	SpoilerText   *string              `json:"spoiler_text"`
	Visibility    string               `json:"visibility"`
	InReplyToID   *string              `json:"in_reply_to_id"`
	Language      *string              `json:"language"`
	ApplicationID *int64               `json:"application_id"`
	ScheduledAt   *string              `json:"scheduled_at"`
	Idempotency   *string              `json:"idempotency"`
	WithRateLimit bool                 `json:"with_rate_limit"`
}

// ScheduledPollParams is the poll a scheduled status (or a brand's draft)
// will carry.
type ScheduledPollParams struct {
	Options    []string `json:"options"`
	ExpiresIn  int64    `json:"expires_in"`
	Multiple   bool     `json:"multiple"`
	HideTotals bool     `json:"hide_totals"`
}
