package resolve

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// accountDomain decides the domain a fetched actor's handle is stored and
// shown under: the actor's host, unless its server names another domain
// that agrees. As Mastodon does, the actor's server is asked by WebFinger
// for username@host; when the answer's subject is username@other (a
// company's acme.example, the server at social.acme.example), other's own
// WebFinger must name the same actor, so a domain carries only the handles
// it vouches for and a server cannot claim another's domain. Anything else
// (no WebFinger, a subject that does not point back) leaves the host.
//
// The decision is kept with the stored account: while the stored copy is
// fresh and the username unchanged it is reused without a request, so the
// refetches that activities cause (keys, profile updates) cost no
// WebFinger; and when the servers cannot be reached, a domain confirmed
// before is kept rather than flipping handles during an outage.
//
// stored reports whether the store held the actor when asked (false: the
// caller may insert it without reading it again).
func (r *Resolver) accountDomain(ctx context.Context, actorID, username string) (domain string, stored bool) {
	host := vocab.Host(actorID)
	prev, err := r.db.AccountByURI(ctx, actorID)
	stored = !errors.Is(err, db.ErrNotFound)
	known := err == nil && prev.Domain != "" && strings.EqualFold(prev.Username, username)
	if known && r.fresh(prev, r.refreshAfter) {
		return prev.Domain, stored
	}
	domain, err = r.confirmedDomain(ctx, actorID, username, host)
	switch {
	case err == nil:
		return domain, stored
	case known && !errors.Is(err, ErrSpoofed) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrGone):
		r.log.Debug("resolve: cannot confirm the account domain, keeping the stored one", "actor", actorID, "domain", prev.Domain, "err", err)
		return prev.Domain, stored
	default:
		r.log.Debug("resolve: account domain not confirmed, using the actor's host", "actor", actorID, "err", err)
		return host, stored
	}
}

// confirmedDomain is the WebFinger check of accountDomain. It returns host
// when the actor's server names host itself, the other domain when that
// domain confirms, and an error (ErrSpoofed when an answer contradicts)
// otherwise.
func (r *Resolver) confirmedDomain(ctx context.Context, actorID, username, host string) (string, error) {
	user, host, err := cleanHandle(username, host)
	if err != nil {
		return "", err
	}
	ans, err := r.finger(ctx, user, host)
	if err != nil {
		return "", err
	}
	if ans.self != actorID {
		return "", fmt.Errorf("%w: WebFinger of %s@%s names %s, not %s", ErrSpoofed, user, host, ans.self, actorID)
	}
	subjectUser, subjectDomain, ok := splitAcct(ans.subject)
	if !ok || subjectDomain == host {
		return host, nil
	}
	if !strings.EqualFold(subjectUser, user) {
		return "", fmt.Errorf("%w: WebFinger of %s@%s has subject %s: another username", ErrSpoofed, user, host, ans.subject)
	}
	if r.isLocalDomain(subjectDomain) {
		return "", fmt.Errorf("%w: WebFinger of %s@%s claims this instance's domain %s", ErrSpoofed, user, host, subjectDomain)
	}
	back, err := r.finger(ctx, user, subjectDomain)
	if err != nil {
		return "", err
	}
	if back.self != actorID {
		return "", fmt.Errorf("%w: %s names %s, not %s", ErrSpoofed, subjectDomain, back.self, actorID)
	}
	return subjectDomain, nil
}

// splitAcct splits a WebFinger subject "user@domain" (without "acct:")
// into its cleaned parts.
func splitAcct(subject string) (user, domain string, ok bool) {
	at := strings.LastIndex(subject, "@")
	if at < 0 {
		return "", "", false
	}
	user, domain, err := cleanHandle(subject[:at], subject[at+1:])
	return user, domain, err == nil
}
