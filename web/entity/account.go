package entity

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

// MutedAccount is an Account in the list of mutes, with the mute's end.
type MutedAccount struct {
	Account
	MuteExpiresAt *string `json:"mute_expires_at"`
}

// FamiliarFollowers is Mastodon's FamiliarFollowers entity.
type FamiliarFollowers struct {
	ID       string    `json:"id"`
	Accounts []Account `json:"accounts"`
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
