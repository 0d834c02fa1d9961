package db

import (
	"time"

	"github.com/uptrace/bun"
)

// Visibility of a status, stored as a small integer (ordered from most to
// least visible, so "at least as private as" is a comparison).
type Visibility int16

// Visibilities.
const (
	Public Visibility = iota
	Unlisted
	Private
	Direct
)

var visibilityNames = [...]string{"public", "unlisted", "private", "direct"}

func (v Visibility) String() string {
	if v < 0 || int(v) >= len(visibilityNames) {
		return "public"
	}
	return visibilityNames[v]
}

// ParseVisibility parses the API's visibility names.
func ParseVisibility(s string) (Visibility, bool) {
	for i, n := range visibilityNames {
		if n == s {
			return Visibility(i), true
		}
	}
	return Public, false
}

// Field is a profile field (name/value pairs on a profile). Value is HTML;
// Source is the plain text a local user typed (empty for remote accounts).
type Field struct {
	Name       string     `json:"name"`
	Value      string     `json:"value"`
	Source     string     `json:"source,omitempty"`
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
}

// Account is a local or remote actor. Domain is "" for local accounts.
type Account struct {
	bun.BaseModel `bun:"table:accounts,alias:a"`

	ID               int64      `bun:"id,pk"`
	Username         string     `bun:"username"`
	Domain           string     `bun:"domain"`
	URI              string     `bun:"uri"`
	URL              string     `bun:"url"`
	ActorType        string     `bun:"actor_type"`
	DisplayName      string     `bun:"display_name"`
	Note             string     `bun:"note"`
	NoteSource       string     `bun:"note_source"`
	Fields           []Field    `bun:"fields,type:text"`
	AvatarMediaID    *int64     `bun:"avatar_media_id"`
	HeaderMediaID    *int64     `bun:"header_media_id"`
	AvatarRemoteURL  string     `bun:"avatar_remote_url"`
	HeaderRemoteURL  string     `bun:"header_remote_url"`
	InboxURI         string     `bun:"inbox_uri"`
	SharedInboxURI   string     `bun:"shared_inbox_uri"`
	OutboxURI        string     `bun:"outbox_uri"`
	FollowersURI     string     `bun:"followers_uri"`
	FollowingURI     string     `bun:"following_uri"`
	FeaturedURI      string     `bun:"featured_uri"`
	PublicKeyID      string     `bun:"public_key_id"`
	PublicKeyPEM     string     `bun:"public_key_pem"`
	PrivateKeyPEM    string     `bun:"private_key_pem"`
	Locked           bool       `bun:"locked"`
	Bot              bool       `bun:"bot"`
	Discoverable     bool       `bun:"discoverable"`
	Indexable        bool       `bun:"indexable"`
	HideCollections  bool       `bun:"hide_collections"`
	Memorial         bool       `bun:"memorial"`
	IsBrand          bool       `bun:"is_brand"`
	AlsoKnownAs      []string   `bun:"also_known_as,type:text"`
	MovedToAccountID *int64     `bun:"moved_to_account_id"`
	SuspendedAt      *time.Time `bun:"suspended_at"`
	SilencedAt       *time.Time `bun:"silenced_at"`   // limited: only followers see its posts
	SensitizedAt     *time.Time `bun:"sensitized_at"` // its media always marked sensitive
	FollowersCount   int64      `bun:"followers_count"`
	FollowingCount   int64      `bun:"following_count"`
	StatusesCount    int64      `bun:"statuses_count"`
	LastStatusAt     *time.Time `bun:"last_status_at"`
	FetchedAt        *time.Time `bun:"fetched_at"`
	CreatedAt        time.Time  `bun:"created_at"`
	UpdatedAt        time.Time  `bun:"updated_at"`
}

// Local reports whether the account lives on this instance.
func (a *Account) Local() bool { return a.Domain == "" }

// Acct is the Mastodon "acct": username for local accounts, user@domain for remote.
func (a *Account) Acct() string {
	if a.Domain == "" {
		return a.Username
	}
	return a.Username + "@" + a.Domain
}

// Suspended reports whether the account is suspended.
func (a *Account) Suspended() bool { return a.SuspendedAt != nil }

// Roles of local users.
const (
	RoleAdmin     = "admin"
	RoleModerator = "moderator"
	RoleUser      = "user"
)

// ValidRole reports whether r is a user role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleModerator || r == RoleUser }

// User is the login of a local account.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID                int64      `bun:"id,pk"`
	AccountID         int64      `bun:"account_id"`
	Email             string     `bun:"email"`
	PasswordHash      string     `bun:"password_hash"`
	Role              string     `bun:"role"`
	Locale            string     `bun:"locale"`
	ConfirmedAt       *time.Time `bun:"confirmed_at"`
	ConfirmationToken string     `bun:"confirmation_token"`
	Approved          bool       `bun:"approved"`
	Disabled          bool       `bun:"disabled"`
	SignUpReason      string     `bun:"sign_up_reason"`
	SSOIssuer         string     `bun:"sso_issuer"`
	SSOSubject        string     `bun:"sso_subject"`
	InviteID          *int64     `bun:"invite_id"`
	DefaultPrivacy    string     `bun:"default_privacy"`
	DefaultSensitive  bool       `bun:"default_sensitive"`
	DefaultLanguage   string     `bun:"default_language"`
	LastSignInAt      *time.Time `bun:"last_sign_in_at"`
	OTPSecret         string     `bun:"otp_secret"`         // confirmed TOTP secret; "" = no second factor
	OTPPendingSecret  string     `bun:"otp_pending_secret"` // shown during enrolment, until confirmed
	OTPLastStep       int64      `bun:"otp_last_step"`      // last accepted TOTP time step (no replay)
	EmailOff          string     `bun:"email_off"`          // kinds of notice email turned off, space-separated
	SignUpIP          string     `bun:"sign_up_ip"`
	CreatedByAppID    *int64     `bun:"created_by_app_id"` // the app signed up through (nil: the web)
	CreatedAt         time.Time  `bun:"created_at"`
	UpdatedAt         time.Time  `bun:"updated_at"`

	Account *Account `bun:"rel:belongs-to,join:account_id=id"`
}

// DomainBlock is an instance-wide block of a remote domain.
type DomainBlock struct {
	bun.BaseModel `bun:"table:domain_blocks"`

	Domain        string    `bun:"domain,pk"`
	ID            int64     `bun:"id"`
	Severity      string    `bun:"severity"` // suspend, silence or noop
	Reason        string    `bun:"reason"`   // the private comment
	PublicComment string    `bun:"public_comment"`
	RejectMedia   bool      `bun:"reject_media"`
	RejectReports bool      `bun:"reject_reports"`
	Obfuscate     bool      `bun:"obfuscate"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Instance is what Kontor knows about a remote server's health.
type Instance struct {
	bun.BaseModel `bun:"table:instances"`

	Domain        string     `bun:"domain,pk"`
	Software      string     `bun:"software"`
	Version       string     `bun:"version"`
	WantsRFC9421  bool       `bun:"wants_rfc9421"`
	Failures      int64      `bun:"failures"`
	DownSince     *time.Time `bun:"down_since"`
	NextProbeAt   *time.Time `bun:"next_probe_at"`
	LastSuccessAt *time.Time `bun:"last_success_at"`
	LastFailureAt *time.Time `bun:"last_failure_at"`
	CreatedAt     time.Time  `bun:"created_at"`
}
