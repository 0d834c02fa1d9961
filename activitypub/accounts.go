package activitypub

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kontor-social/kontor/db"
)

// InstanceActorUsername is the username of the instance actor. It contains a
// dot, which user names cannot, so it never clashes with a person.
const InstanceActorUsername = "instance.actor"

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9_]{1,30}$`)

// ErrInvalidUsername is returned for usernames Mastodon would not accept.
var ErrInvalidUsername = errors.New("username must be 1 to 30 letters, digits or underscores")

// ErrInvalidEmail is returned for an email address without a local part and a domain.
var ErrInvalidEmail = errors.New("email address is not valid")

// NewLocalAccount describes an account to create.
type NewLocalAccount struct {
	Username    string
	DisplayName string
	Email       string // required unless Brand
	Password    string // may be empty (SSO users, brand accounts)
	Role        string
	Locked      bool
	Bot         bool
	Brand       bool // a brand (organization) account: no login of its own
	Confirmed   bool
	Approved    bool
	Reason      string
	Locale      string
	InviteID    *int64 // the invite used to sign up (one use is counted)
	SSOIssuer   string // the single sign-on identity the user signs in with
	SSOSubject  string
	SignUpIP    string // where the sign-up came from
	AppID       *int64 // the OAuth app signed up through (nil: the web)
}

// ValidateUsername checks a local username.
func ValidateUsername(u string) error {
	if !usernamePattern.MatchString(u) {
		return ErrInvalidUsername
	}
	return nil
}

// ValidateEmail does the cheap syntactic check; delivery is the real test.
func ValidateEmail(e string) error {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") && domain != "localhost" || strings.ContainsAny(e, " \t\r\n<>") {
		return ErrInvalidEmail
	}
	return nil
}

// CreateLocalAccount makes a local account with a fresh RSA-2048 key pair
// and, unless it is a brand, the user that logs in to it.
func (e *Engine) CreateLocalAccount(ctx context.Context, n NewLocalAccount) (*db.Account, *db.User, error) {
	if err := ValidateUsername(n.Username); err != nil {
		return nil, nil, err
	}
	role := n.Role
	if role == "" {
		role = db.RoleUser
	}
	if !db.ValidRole(role) {
		return nil, nil, fmt.Errorf("role %q: want admin, moderator or user", role)
	}
	var user *db.User
	if !n.Brand {
		if err := ValidateEmail(n.Email); err != nil {
			return nil, nil, err
		}
		user = &db.User{Email: n.Email, Role: role, Approved: n.Approved, SignUpReason: n.Reason, Locale: n.Locale, SignUpIP: n.SignUpIP, CreatedByAppID: n.AppID,
			InviteID: n.InviteID, SSOIssuer: n.SSOIssuer, SSOSubject: n.SSOSubject}
		if n.Password != "" {
			hash, err := db.HashPassword(n.Password)
			if err != nil {
				return nil, nil, err
			}
			user.PasswordHash = hash
		}
		if n.Confirmed {
			t := time.Now().UTC()
			user.ConfirmedAt = &t
		}
	}
	actorType := "Person"
	if n.Brand {
		actorType = "Organization"
	} else if n.Bot {
		actorType = "Service"
	}
	acct, err := e.newLocalActor(n.Username, actorType)
	if err != nil {
		return nil, nil, err
	}
	acct.DisplayName = n.DisplayName
	acct.Locked = n.Locked
	acct.Bot = n.Bot
	acct.IsBrand = n.Brand
	if err := e.db.CreateLocalAccount(ctx, acct, user); err != nil {
		return nil, nil, err
	}
	return acct, user, nil
}

func (e *Engine) newLocalActor(username, actorType string) (*db.Account, error) {
	priv, pub, err := GenerateKeyPair()
	if err != nil {
		return nil, err
	}
	return &db.Account{
		Username:       username,
		URI:            e.urls.Actor(username),
		URL:            e.urls.Profile(username),
		ActorType:      actorType,
		InboxURI:       e.urls.Inbox(username),
		SharedInboxURI: e.urls.SharedInbox(),
		OutboxURI:      e.urls.Outbox(username),
		FollowersURI:   e.urls.Followers(username),
		FollowingURI:   e.urls.Following(username),
		FeaturedURI:    e.urls.Featured(username),
		PublicKeyID:    e.urls.Key(username),
		PublicKeyPEM:   pub,
		PrivateKeyPEM:  priv,
		Discoverable:   true,
		Indexable:      true,
	}, nil
}

// EnsureInstanceActor creates the instance actor on first start and returns it.
func (e *Engine) EnsureInstanceActor(ctx context.Context) (*db.Account, error) {
	a, err := e.db.LocalAccount(ctx, InstanceActorUsername)
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	priv, pub, err := GenerateKeyPair()
	if err != nil {
		return nil, err
	}
	a = &db.Account{
		Username:       InstanceActorUsername,
		URI:            e.urls.InstanceActor(),
		URL:            e.urls.Base() + "/about",
		ActorType:      "Application",
		DisplayName:    e.urls.Host(),
		InboxURI:       e.urls.InstanceActor() + "/inbox",
		SharedInboxURI: e.urls.SharedInbox(),
		OutboxURI:      e.urls.InstanceActor() + "/outbox",
		PublicKeyID:    e.urls.InstanceActorKey(),
		PublicKeyPEM:   pub,
		PrivateKeyPEM:  priv,
		Locked:         true,
	}
	if err := e.db.CreateLocalAccount(ctx, a, nil); err != nil {
		if errors.Is(err, db.ErrUsernameTaken) { // another process made it first
			return e.db.LocalAccount(ctx, InstanceActorUsername)
		}
		return nil, err
	}
	return a, nil
}
