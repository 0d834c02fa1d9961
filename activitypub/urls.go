// Package activitypub is Kontor's protocol engine: the URLs and documents of
// local objects, keys, signatures, the Inbox and Outbox, delivery and the
// resolver of remote actors and objects.
package activitypub

import (
	"net/url"
	"strconv"
	"strings"
)

// URLs builds the URL of every local object. It is the only place that knows
// the layout, driven by the configured protocol, host and account domain.
type URLs struct {
	base          string // e.g. https://social.example.com
	host          string
	accountDomain string
}

// NewURLs returns the builder for an instance.
func NewURLs(protocol, host, accountDomain string) *URLs {
	if accountDomain == "" {
		accountDomain = host
	}
	return &URLs{base: protocol + "://" + host, host: host, accountDomain: accountDomain}
}

// Base is the instance's base URL without a trailing slash.
func (u *URLs) Base() string { return u.base }

// Host is the host[:port] Kontor serves on.
func (u *URLs) Host() string { return u.host }

// AccountDomain is the domain in handles (@user@domain).
func (u *URLs) AccountDomain() string { return u.accountDomain }

// Actor is the ActivityPub id of a local account.
func (u *URLs) Actor(username string) string { return u.base + "/users/" + username }

// Key is the id of a local account's public key.
func (u *URLs) Key(username string) string { return u.Actor(username) + "#main-key" }

// Inbox is a local account's inbox.
func (u *URLs) Inbox(username string) string { return u.Actor(username) + "/inbox" }

// Outbox is a local account's outbox.
func (u *URLs) Outbox(username string) string { return u.Actor(username) + "/outbox" }

// Followers is a local account's followers collection.
func (u *URLs) Followers(username string) string { return u.Actor(username) + "/followers" }

// Following is a local account's following collection.
func (u *URLs) Following(username string) string { return u.Actor(username) + "/following" }

// Featured is a local account's pinned statuses collection.
func (u *URLs) Featured(username string) string { return u.Actor(username) + "/collections/featured" }

// FeaturedTags is a local account's featured hashtags collection.
func (u *URLs) FeaturedTags(username string) string { return u.Actor(username) + "/collections/tags" }

// SharedInbox is the instance's shared inbox.
func (u *URLs) SharedInbox() string { return u.base + "/inbox" }

// Profile is a local account's HTML profile page.
func (u *URLs) Profile(username string) string { return u.base + "/@" + username }

// Status is the ActivityPub id of a local status.
func (u *URLs) Status(username string, id int64) string {
	return u.Actor(username) + "/statuses/" + strconv.FormatInt(id, 10)
}

// StatusPage is the HTML page of a local status.
func (u *URLs) StatusPage(username string, id int64) string {
	return u.Profile(username) + "/" + strconv.FormatInt(id, 10)
}

// Activity is the id of a local activity (Follow, Like, Announce …): stable
// and dereferenceable, because some peers Accept a Follow by its id alone.
func (u *URLs) Activity(username string, id int64) string {
	return u.Actor(username) + "/activities/" + strconv.FormatInt(id, 10)
}

// Tag is the page of a hashtag.
func (u *URLs) Tag(name string) string { return u.base + "/tags/" + url.PathEscape(name) }

// InstanceActor is the id of the instance's own actor, which signs fetches
// that no user causes.
func (u *URLs) InstanceActor() string { return u.base + "/actor" }

// InstanceActorKey is the key id of the instance actor.
func (u *URLs) InstanceActorKey() string { return u.InstanceActor() + "#main-key" }

// Media is the public URL of a file in the local media store (served under
// /media/). Engine.MediaURL uses the configured store's URLs instead, which
// are these unless media_storage is "s3".
func (u *URLs) Media(key string) string { return u.base + "/media/" + key }

// IsLocal reports whether an IRI names something on this instance.
func (u *URLs) IsLocal(iri string) bool {
	return iri == u.base || strings.HasPrefix(iri, u.base+"/")
}

// UsernameFromActor returns the username in a local actor id, or "".
func (u *URLs) UsernameFromActor(iri string) string {
	rest, ok := strings.CutPrefix(iri, u.base+"/users/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#") {
		return ""
	}
	return rest
}
