package entity

// StatusEdit is Mastodon's StatusEdit entity: one version of a status.
type StatusEdit struct {
	Content          string            `json:"content"`
	SpoilerText      string            `json:"spoiler_text"`
	Sensitive        bool              `json:"sensitive"`
	CreatedAt        string            `json:"created_at"`
	Account          Account           `json:"account"`
	Poll             *StatusEditPoll   `json:"poll"`
	MediaAttachments []MediaAttachment `json:"media_attachments"`
	Emojis           []Emoji           `json:"emojis"`
}

// StatusEditPoll is the poll of a version (its options' titles).
type StatusEditPoll struct {
	Options []StatusEditPollOption `json:"options"`
}

// StatusEditPollOption is one option's title.
type StatusEditPollOption struct {
	Title string `json:"title"`
}
