package resolve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Handle returns the account @username@domain. Local domains come from the
// store. A stored remote account younger than RefreshAfter is returned as
// is; otherwise WebFinger names the actor, which is resolved with Actor and
// must have username as its preferredUsername (case-insensitive), else
// ErrSpoofed.
//
// The actor may live on another host than domain (a handle domain that
// delegates WebFinger to the server, acme.example → social.acme.example).
// The account is stored under the domain its server confirms (see
// accountDomain), so when the actor's server names acme.example, the stored
// handle is the one asked for and later calls are served from the store.
func (r *Resolver) Handle(ctx context.Context, username, domain string) (*db.Account, error) {
	username, domain, err := cleanHandle(username, domain)
	if err != nil {
		return nil, err
	}
	if r.isLocalDomain(domain) {
		a, err := r.db.LocalAccount(ctx, username)
		if err != nil {
			return nil, notFound("local account "+username, err)
		}
		return a, nil
	}
	cached, err := r.db.AccountByUsername(ctx, username, domain)
	switch {
	case errors.Is(err, db.ErrNotFound):
		cached = nil
	case err != nil:
		return nil, fmt.Errorf("resolve: handle %s@%s: %w", username, domain, err)
	case r.fresh(cached, r.refreshAfter):
		return cached, nil
	}
	ans, err := r.finger(ctx, username, domain)
	if err != nil {
		if cached != nil && !errors.Is(err, ErrGone) && ctx.Err() == nil {
			r.log.Debug("resolve: WebFinger failed, using the stored copy", "handle", username+"@"+domain, "err", err)
			return cached, nil
		}
		return nil, err
	}
	uri := ans.self
	// The answer is fresh: the domain check of the actor reuses it.
	ctx = context.WithValue(ctx, fingerHintKey{}, fingerHint{username: username, domain: domain, ans: ans})
	a, err := r.Actor(ctx, uri, false)
	if err != nil {
		return nil, err
	}
	if a.Local() {
		return nil, fmt.Errorf("%w: WebFinger of %s@%s names local actor %s", ErrSpoofed, username, domain, uri)
	}
	if !strings.EqualFold(a.Username, username) {
		return nil, fmt.Errorf("%w: WebFinger of %s@%s names %s, whose preferredUsername is %q", ErrSpoofed, username, domain, a.URI, a.Username)
	}
	return a, nil
}

// cleanHandle normalizes and checks the parts of a handle.
func cleanHandle(username, domain string) (string, string, error) {
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	if !validUsername(username) {
		return "", "", fmt.Errorf("resolve: invalid username %q", username)
	}
	if strings.ContainsAny(domain, "/?#@\\") || vocab.Host("https://"+domain) == "" {
		return "", "", fmt.Errorf("resolve: invalid domain %q", domain)
	}
	return username, domain, nil
}

// jrd is the part of a WebFinger answer we read.
type jrd struct {
	Subject string `json:"subject"`
	Links   []struct {
		Rel  string `json:"rel"`
		Type string `json:"type"`
		Href string `json:"href"`
	} `json:"links"`
}

// WebFinger asks domain for acct:username@domain and returns the actor URI
// of its rel=self link (application/activity+json, or application/ld+json
// with the ActivityStreams profile). Local domains are answered from the
// store. WebFinger is unsigned and uses http only when the client allows it.
func (r *Resolver) WebFinger(ctx context.Context, username, domain string) (actorURI string, err error) {
	username, domain, err = cleanHandle(username, domain)
	if err != nil {
		return "", err
	}
	if r.isLocalDomain(domain) {
		a, err := r.db.LocalAccount(ctx, username)
		if err != nil {
			return "", notFound("local account "+username, err)
		}
		return a.URI, nil
	}
	ans, err := r.finger(ctx, username, domain)
	if err != nil {
		return "", err
	}
	return ans.self, nil
}

// fingerAnswer is what a WebFinger answer tells: the canonical handle
// (subject, "acct:" stripped; "" when absent) and the actor URI.
type fingerAnswer struct {
	subject string
	self    string
}

// fingerHint is a WebFinger answer just received, carried in the context
// of the lookup it started so that it is not asked again.
type fingerHint struct {
	username, domain string
	ans              fingerAnswer
}

type fingerHintKey struct{}

// finger asks a remote domain for acct:username@domain (both cleaned);
// concurrent askers share one request.
func (r *Resolver) finger(ctx context.Context, username, domain string) (fingerAnswer, error) {
	if h, ok := ctx.Value(fingerHintKey{}).(fingerHint); ok && h.domain == domain && strings.EqualFold(h.username, username) {
		return h.ans, nil
	}
	resource := "acct:" + username + "@" + domain
	v, err := r.shared(ctx, "webfinger "+strings.ToLower(resource), func(ctx context.Context) (any, error) {
		return r.webfinger(ctx, resource, domain)
	})
	if err != nil {
		return fingerAnswer{}, err
	}
	return v.(fingerAnswer), nil
}

func (r *Resolver) webfinger(ctx context.Context, resource, domain string) (fingerAnswer, error) {
	u := r.client.Scheme() + "://" + domain + "/.well-known/webfinger?resource=" + url.QueryEscape(resource)
	body, err := r.client.GetJSON(ctx, u, "application/jrd+json, application/json")
	if err != nil {
		return fingerAnswer{}, fetchError("WebFinger "+resource, err)
	}
	var doc jrd
	if err := json.Unmarshal(body, &doc); err != nil {
		return fingerAnswer{}, fmt.Errorf("resolve: WebFinger %s: %w", resource, err)
	}
	best, bestRank := "", 0
	for _, l := range doc.Links {
		if l.Rel != "self" || !vocab.ValidID(l.Href) {
			continue
		}
		if rank := selfRank(l.Type); rank > bestRank {
			best, bestRank = l.Href, rank
		}
	}
	if best == "" {
		return fingerAnswer{}, fmt.Errorf("%w: WebFinger %s names no ActivityPub actor", ErrNotActor, resource)
	}
	subject, _ := strings.CutPrefix(strings.TrimSpace(doc.Subject), "acct:")
	return fingerAnswer{subject: strings.Clone(subject), self: strings.Clone(best)}, nil
}

// selfRank prefers application/activity+json, then ld+json with the
// ActivityStreams profile, then bare ld+json; 0 means not ActivityPub.
func selfRank(typ string) int {
	mt, params, err := mime.ParseMediaType(typ)
	if err != nil {
		return 0
	}
	switch {
	case mt == "application/activity+json":
		return 3
	case mt == "application/ld+json" && strings.Contains(params["profile"], "https://www.w3.org/ns/activitystreams"):
		return 2
	case mt == "application/ld+json":
		return 1
	}
	return 0
}
