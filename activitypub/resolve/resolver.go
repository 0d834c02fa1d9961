// Package resolve finds remote actors, their keys and objects: from the
// store when a fresh copy is known, else by a signed fetch through the one
// transport.Client, checked (ids on the host that served them, keys owned by
// the actor that lists them) and stored.
//
// Local URIs are never fetched. Concurrent lookups of the same actor, key
// or handle share one fetch, so a burst of activities from actors we have
// never seen costs one request per actor.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Errors for errors.Is.
var (
	// ErrNotFound: the peer answered 404, or a local actor or key does not exist.
	ErrNotFound = errors.New("resolve: not found")
	// ErrGone: the peer answered 410; a known actor should be deleted.
	ErrGone = errors.New("resolve: gone")
	// ErrSpoofed: a document claims an id, key or owner it may not speak for.
	ErrSpoofed = errors.New("resolve: spoofed document")
	// ErrLocal: a local URI was passed where only remote ones are fetched.
	ErrLocal = errors.New("resolve: local URI")
	// ErrNotActor: the document is not a usable actor (wrong type, no inbox,
	// username or key), or WebFinger names none.
	ErrNotActor = errors.New("resolve: not an actor")
)

// Options configure a Resolver.
type Options struct {
	DB     *db.DB
	Client *transport.Client
	// LocalBase is the instance's base URL (e.g. "https://social.example.com"):
	// URIs on its host are local and never fetched.
	LocalBase string
	// LocalDomains are the host and account domain: handles @x@these are local.
	LocalDomains []string
	// InstanceSigner signs the GETs no user causes (peers in authorized-fetch
	// mode refuse unsigned ones). Nil: unsigned GETs.
	InstanceSigner func(ctx context.Context) (transport.Signer, error)
	// RefreshAfter is the age after which a stored actor is refetched (default 24h).
	RefreshAfter time.Duration
	// KeyRefreshInterval limits PublicKey(…, refresh=true) to one refetch
	// per key in this interval (default 1 minute): signature.Verify asks for
	// a refresh on every signature that fails, so a stream of bad signatures
	// naming someone's key must not turn into a stream of fetches.
	KeyRefreshInterval time.Duration
	Logger             *slog.Logger
}

// Resolver is safe for concurrent use.
type Resolver struct {
	db           *db.DB
	client       *transport.Client
	localHost    string
	localDomains []string
	signer       func(ctx context.Context) (transport.Signer, error)
	refreshAfter time.Duration
	keyRefresh   time.Duration
	log          *slog.Logger
	flights      singleflight.Group
}

// sharedTimeout bounds work shared by several callers: it runs detached
// from the first caller's context so that caller giving up does not fail
// the others. A key lookup is at most two fetches, each bounded by the
// client's timeout, plus a few queries.
const sharedTimeout = time.Minute

// maxFields bounds the profile fields kept from a remote actor.
const maxFields = 50

// New builds a Resolver.
func New(o Options) *Resolver {
	r := &Resolver{
		db:           o.DB,
		client:       o.Client,
		localHost:    vocab.Host(o.LocalBase),
		signer:       o.InstanceSigner,
		refreshAfter: o.RefreshAfter,
		keyRefresh:   o.KeyRefreshInterval,
		log:          o.Logger,
	}
	for _, d := range o.LocalDomains {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			r.localDomains = append(r.localDomains, d)
		}
	}
	if r.localHost != "" {
		r.localDomains = append(r.localDomains, r.localHost)
	}
	if r.refreshAfter <= 0 {
		r.refreshAfter = 24 * time.Hour
	}
	if r.keyRefresh <= 0 {
		r.keyRefresh = time.Minute
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

// isLocal reports whether uri is on this instance's host.
func (r *Resolver) isLocal(uri string) bool {
	return r.localHost != "" && vocab.Host(uri) == r.localHost
}

func (r *Resolver) isLocalDomain(domain string) bool {
	for _, d := range r.localDomains {
		if d == domain {
			return true
		}
	}
	return false
}

// fresh reports whether a stored remote account was fetched recently enough.
func (r *Resolver) fresh(a *db.Account, within time.Duration) bool {
	return a.FetchedAt != nil && time.Since(*a.FetchedAt) < within
}

// shared runs fn once for all concurrent callers with the same key. Each
// caller still stops waiting when its own context ends.
func (r *Resolver) shared(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error) {
	ch := r.flights.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
		defer cancel()
		return fn(ctx)
	})
	select {
	case res := <-ch:
		return res.Val, res.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// onBehalfOfKey is the context key of OnBehalfOf.
type onBehalfOfKey struct{}

// OnBehalfOf returns a context in which Object signs its GETs with s (a
// local user's key) instead of the instance actor's: a user looking a post
// up by its URL, as Mastodon does, so that the origin shows a followers-only
// post to a follower (GoToSocial and Mastodon answer by the signer). Actors
// and keys are still fetched as the instance actor: their documents do not
// depend on the signer, and those fetches are shared between callers.
func OnBehalfOf(ctx context.Context, s transport.Signer) context.Context {
	return context.WithValue(ctx, onBehalfOfKey{}, s)
}

// fetch GETs a remote document, signed by the instance actor, and maps 404
// and 410 to ErrNotFound and ErrGone.
func (r *Resolver) fetch(ctx context.Context, uri string) (body []byte, final string, err error) {
	return r.fetchAs(ctx, uri, nil)
}

// fetchAs is fetch signed by signer, or by the instance actor when nil.
func (r *Resolver) fetchAs(ctx context.Context, uri string, signer *transport.Signer) (body []byte, final string, err error) {
	if signer == nil && r.signer != nil {
		s, err := r.signer(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("resolve: instance signer: %w", err)
		}
		signer = &s
	}
	body, final, _, err = r.client.Get(ctx, uri, signer)
	if err != nil {
		return nil, "", fetchError(uri, err)
	}
	return body, final, nil
}

// fetchError maps 404 and 410 answers to ErrNotFound and ErrGone.
func fetchError(what string, err error) error {
	var se *transport.StatusError
	if errors.As(err, &se) {
		switch se.Code {
		case 404:
			return fmt.Errorf("%w: %s: %w", ErrNotFound, what, err)
		case 410:
			return fmt.Errorf("%w: %s: %w", ErrGone, what, err)
		}
	}
	return fmt.Errorf("resolve: %s: %w", what, err)
}

// withoutFragment strips "#…": what is requested on the wire.
func withoutFragment(uri string) string {
	s, _, _ := strings.Cut(uri, "#")
	return s
}

// notFound wraps a store miss so that both ErrNotFound and db.ErrNotFound match.
func notFound(what string, err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%w: %s: %w", ErrNotFound, what, err)
	}
	return fmt.Errorf("resolve: %s: %w", what, err)
}
