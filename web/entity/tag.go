package entity

// TagHistory is one day of a hashtag's use (all values are strings, as Mastodon sends them).
type TagHistory struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// Tag is Mastodon's Tag entity. ID is empty for a tag nobody used yet;
// Following is sent to logged-in callers only.
type Tag struct {
	ID        string       `json:"id,omitempty"`
	Name      string       `json:"name"`
	URL       string       `json:"url"`
	History   []TagHistory `json:"history"`
	Following *bool        `json:"following,omitempty"`
}
