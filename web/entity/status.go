package entity

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
	Card               *PreviewCard      `json:"card"`
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

// Context is Mastodon's Context entity: a status's thread around it.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}
