package resolve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// actorResult is what a shared actor fetch hands to every waiter.
type actorResult struct {
	acct *db.Account
	doc  *vocab.Object // nil when served from the store
}

// Actor returns the account of an actor URI. Local URIs come from the store
// and are never fetched. A stored remote actor younger than RefreshAfter is
// returned as is unless refresh; otherwise it is fetched (signed by the
// instance actor), checked and stored. If that fetch fails and a stored
// copy exists, the stored copy is returned (stale is better than nothing),
// except on 410 Gone, which is ErrGone so the caller can delete the actor.
//
// The returned account's URI is the document's id, which differs from uri
// only when the peer redirected to another URL on the host that serves the
// document. movedTo is not resolved here (see FetchActor). A stored account
// comes from memory while its row is unchanged (db.ActorByURI): its
// counters may be behind.
func (r *Resolver) Actor(ctx context.Context, uri string, refresh bool) (*db.Account, error) {
	if !vocab.ValidID(uri) {
		return nil, fmt.Errorf("resolve: invalid actor id %q", uri)
	}
	if r.isLocal(uri) {
		a, err := r.db.ActorByURI(ctx, uri)
		if err != nil {
			return nil, notFound("local actor "+uri, err)
		}
		return a, nil
	}
	cached, err := r.db.ActorByURI(ctx, uri)
	switch {
	case errors.Is(err, db.ErrNotFound):
		cached = nil
	case err != nil:
		return nil, fmt.Errorf("resolve: actor %s: %w", uri, err)
	case !refresh && r.fresh(cached, r.refreshAfter):
		return cached, nil
	}
	key := "actor " + uri
	if refresh {
		key = "actor! " + uri
	}
	v, err := r.shared(ctx, key, func(ctx context.Context) (any, error) {
		if !refresh {
			// A fetch that finished just before this one began stored it.
			if a, err := r.db.AccountByURI(ctx, uri); err == nil && r.fresh(a, r.refreshAfter) {
				return actorResult{acct: a}, nil
			}
		}
		return r.fetchActor(ctx, uri)
	})
	if err != nil {
		if cached != nil && !errors.Is(err, ErrGone) && ctx.Err() == nil {
			r.log.Debug("resolve: actor fetch failed, using the stored copy", "uri", uri, "err", err)
			return cached, nil
		}
		return nil, err
	}
	a := *v.(actorResult).acct // waiters get their own copy
	return &a, nil
}

// FetchActor always fetches a remote actor (sharing a fetch already under
// way), stores it and returns the document too, for properties the accounts
// table does not keep: movedTo, suspended, featuredTags. There is no
// fallback to a stored copy.
func (r *Resolver) FetchActor(ctx context.Context, uri string) (*db.Account, *vocab.Object, error) {
	if !vocab.ValidID(uri) {
		return nil, nil, fmt.Errorf("resolve: invalid actor id %q", uri)
	}
	if r.isLocal(uri) {
		return nil, nil, fmt.Errorf("%w: %s", ErrLocal, uri)
	}
	v, err := r.shared(ctx, "actor! "+uri, func(ctx context.Context) (any, error) {
		return r.fetchActor(ctx, uri)
	})
	if err != nil {
		return nil, nil, err
	}
	res := v.(actorResult)
	if res.doc == nil {
		return nil, nil, fmt.Errorf("resolve: actor %s: no document", uri)
	}
	a := *res.acct
	return &a, res.doc, nil
}

func (r *Resolver) fetchActor(ctx context.Context, uri string) (actorResult, error) {
	body, final, err := r.fetch(ctx, uri)
	if err != nil {
		return actorResult{}, err
	}
	doc, err := vocab.Parse(body)
	if err != nil {
		return actorResult{}, fmt.Errorf("%w: %s: %w", ErrNotActor, uri, err)
	}
	a, err := r.storeActor(ctx, uri, final, doc)
	if err != nil {
		return actorResult{}, err
	}
	return actorResult{acct: a, doc: doc}, nil
}

// checkID applies the same-origin rule to a fetched document: its id must
// be on the host of the URL that finally answered (even when the host asked
// redirected there: an open redirect must not let another host speak for
// it), and be the URI asked for unless the peer redirected.
func (r *Resolver) checkID(requested, final string, doc *vocab.Object) error {
	requested = withoutFragment(requested)
	switch {
	case doc.ID == "":
		return fmt.Errorf("%w: document from %s has no id", ErrSpoofed, final)
	case r.isLocal(doc.ID) || r.isLocal(final):
		return fmt.Errorf("%w: remote document from %s claims local id %s", ErrSpoofed, final, doc.ID)
	case !vocab.SameHost(doc.ID, final):
		return fmt.Errorf("%w: %s served a document with id %s", ErrSpoofed, final, doc.ID)
	case withoutFragment(doc.ID) == requested || final != requested:
		return nil
	}
	return fmt.Errorf("%w: %s served a document with id %s", ErrSpoofed, final, doc.ID)
}

// storeActor checks a fetched actor document and upserts it.
func (r *Resolver) storeActor(ctx context.Context, requested, final string, doc *vocab.Object) (*db.Account, error) {
	if !doc.IsActor() {
		return nil, fmt.Errorf("%w: %s is a %s", ErrNotActor, requested, doc.Type)
	}
	if err := r.checkID(requested, final, doc); err != nil {
		return nil, err
	}
	if withoutFragment(doc.ID) != doc.ID {
		return nil, fmt.Errorf("%w: actor id %s has a fragment", ErrNotActor, doc.ID)
	}
	a, err := toAccount(doc)
	if err != nil {
		return nil, err
	}
	var stored bool
	a.Domain, stored = r.accountDomain(ctx, a.URI, a.Username)
	if pub := doc.Published.UTC().Truncate(time.Microsecond); !pub.IsZero() && pub.Before(time.Now()) {
		a.CreatedAt = pub // the actor's own join date, not when we first saw it
	}
	store := r.db.UpsertRemoteAccount
	if !stored {
		store = r.db.InsertRemoteAccount // just looked up in vain
	}
	if err := store(ctx, a); err != nil {
		if !errors.Is(err, db.ErrConflict) {
			return nil, fmt.Errorf("resolve: store %s: %w", a.URI, err)
		}
		// Another process inserted it at the same time: theirs is as good.
		if a, err = r.db.AccountByURI(ctx, a.URI); err != nil {
			return nil, fmt.Errorf("resolve: store %s: %w", doc.ID, err)
		}
		noteStored(ctx, a)
		return a, nil
	}
	// A new account has no emojis to replace.
	if emojis := Emojis(doc, a.Domain); stored || len(emojis) > 0 {
		if err := r.db.StoreRemoteAccountEmojis(ctx, a.ID, emojis); err != nil {
			r.log.Warn("resolve: store emojis of actor", "actor", a.URI, "err", err) // the profile shows :codes: as text
		}
	}
	noteStored(ctx, a)
	return a, nil
}

// validUsername refuses what would break "user@domain" or a URL path.
func validUsername(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f || c == '@' || c == '/' || c == '?' || c == '#' || c == '%' {
			return false
		}
	}
	return true
}

// optionalID returns s if it is a usable http(s) IRI, else "".
func optionalID(s string) string {
	if vocab.ValidID(s) {
		return strings.Clone(s)
	}
	return ""
}

// mainKey picks the actor's own key: owned by it (or without owner, as it
// sits in the actor's own document), on its host, and parseable.
func mainKey(doc *vocab.Object) (*vocab.PublicKey, error) {
	var last error
	for i := range doc.PublicKey {
		k := &doc.PublicKey[i]
		if err := ownKey(doc, k); err != nil {
			last = err
			continue
		}
		return k, nil
	}
	if last == nil {
		last = fmt.Errorf("%w: %s has no public key", ErrNotActor, doc.ID)
	}
	return nil, last
}

// ownKey checks that k, listed in the actor document doc, belongs to it.
func ownKey(doc *vocab.Object, k *vocab.PublicKey) error {
	switch {
	case k.Owner != "" && k.Owner != doc.ID:
		return fmt.Errorf("%w: key %s of %s is owned by %s", ErrSpoofed, k.ID, doc.ID, k.Owner)
	case !vocab.SameHost(k.ID, doc.ID):
		return fmt.Errorf("%w: key %s is not on the host of %s", ErrSpoofed, k.ID, doc.ID)
	}
	if _, err := parsePublicKey(k.PEM); err != nil {
		return fmt.Errorf("%w: key %s: %w", ErrNotActor, k.ID, err)
	}
	return nil
}

// toAccount maps an actor document to a remote account. Strings are cloned:
// the parser's strings share one copy of the whole document.
func toAccount(doc *vocab.Object) (*db.Account, error) {
	if !validUsername(doc.PreferredUsername) {
		return nil, fmt.Errorf("%w: %s has no usable preferredUsername", ErrNotActor, doc.ID)
	}
	if !vocab.ValidID(doc.Inbox) {
		return nil, fmt.Errorf("%w: %s has no inbox", ErrNotActor, doc.ID)
	}
	key, err := mainKey(doc)
	if err != nil {
		return nil, err
	}
	name, _ := vocab.PickLang(doc.Name, doc.NameMap, "")
	summary, _ := vocab.PickLang(doc.Summary, doc.SummaryMap, "")
	a := &db.Account{
		Username:        strings.Clone(doc.PreferredUsername),
		Domain:          vocab.Host(doc.ID),
		URI:             strings.Clone(doc.ID),
		URL:             optionalID(doc.URL.URL()),
		ActorType:       strings.Clone(doc.Type),
		DisplayName:     strings.Clone(strings.TrimSpace(name)),
		Note:            content.Sanitize(summary),
		AvatarRemoteURL: optionalID(doc.Icon.URL()),
		HeaderRemoteURL: optionalID(doc.Image.URL()),
		InboxURI:        strings.Clone(doc.Inbox),
		SharedInboxURI:  optionalID(doc.Endpoints.SharedInbox),
		OutboxURI:       optionalID(doc.Outbox),
		FollowersURI:    optionalID(doc.Followers),
		FollowingURI:    optionalID(doc.Following),
		FeaturedURI:     optionalID(doc.Featured),
		PublicKeyID:     strings.Clone(key.ID),
		PublicKeyPEM:    strings.Clone(key.PEM),
		Locked:          doc.ManuallyApprovesFollowers.Value,
		Bot:             doc.Is("Service", "Application"),
		Discoverable:    doc.Discoverable.Value,
		Indexable:       doc.Indexable.Value,
		Memorial:        doc.Memorial.Value,
		Fields:          []db.Field{},
		AlsoKnownAs:     []string{},
	}
	if a.URL == "" {
		a.URL = a.URI
	}
	for _, f := range doc.PropertyValues() {
		if len(a.Fields) == maxFields {
			break
		}
		if f.Name == "" {
			continue
		}
		a.Fields = append(a.Fields, db.Field{Name: strings.Clone(f.Name), Value: content.Sanitize(f.Value)})
	}
	for _, aka := range doc.AlsoKnownAs {
		if vocab.ValidID(aka) {
			a.AlsoKnownAs = append(a.AlsoKnownAs, strings.Clone(aka))
		}
	}
	return a, nil
}

// storedNoteKey is the context key of NoteStoredActor.
type storedNoteKey struct{}

// storedNote holds the account a lookup stored.
type storedNote struct {
	mu   sync.Mutex
	acct *db.Account
}

// NoteStoredActor returns a context in which the lookups that fetch and
// store an actor (a key's owner, most often) note its account, and a func
// that returns the last one noted (nil if none). The inbox hands a new
// signer's account to the activity's apply this way instead of reading the
// row it has just written. A lookup shared with an earlier caller notes it
// in that caller's context only.
func NoteStoredActor(ctx context.Context) (context.Context, func() *db.Account) {
	n := &storedNote{}
	return context.WithValue(ctx, storedNoteKey{}, n), func() *db.Account {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.acct == nil {
			return nil
		}
		a := *n.acct // the caller's own copy
		return &a
	}
}

func noteStored(ctx context.Context, a *db.Account) {
	if n, ok := ctx.Value(storedNoteKey{}).(*storedNote); ok {
		c := *a
		n.mu.Lock()
		n.acct = &c
		n.mu.Unlock()
	}
}
