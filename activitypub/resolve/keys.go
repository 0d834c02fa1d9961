package resolve

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// keyResult is what a shared key lookup hands to every waiter.
type keyResult struct {
	pub   crypto.PublicKey
	owner string
}

// PublicKey implements signature.KeyResolver. keyID may carry a fragment
// (Mastodon's …#main-key) or be a path of its own (GoToSocial's …/main-key).
// Local keys come from the store and are never fetched. A stored key is
// returned unless refresh; refresh refetches the owner at most once per
// KeyRefreshInterval. Otherwise the keyID URL is fetched, signed by the
// instance actor: it is either the actor document (which lists the key) or
// a key document {id, owner, publicKeyPem}, whose owner is then resolved
// and must list the key itself. Keys must live on their owner's host.
//
// It returns the key (*rsa.PublicKey or ed25519.PublicKey) and the owner's
// actor URI.
func (r *Resolver) PublicKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	if !vocab.ValidID(keyID) {
		return nil, "", fmt.Errorf("resolve: invalid key id %q", keyID)
	}
	if r.isLocal(keyID) {
		a, err := r.db.AccountByKeyID(ctx, keyID)
		if err != nil {
			return nil, "", notFound("local key "+keyID, err)
		}
		pub, err := parsePublicKey(a.PublicKeyPEM)
		if err != nil {
			return nil, "", fmt.Errorf("resolve: local key %s: %w", keyID, err)
		}
		return pub, a.URI, nil
	}
	if !refresh {
		if res, ok, err := r.storedKey(ctx, keyID); ok || err != nil {
			return res.pub, res.owner, err
		}
	}
	key := "key " + keyID
	if refresh {
		key = "key! " + keyID
	}
	v, err := r.shared(ctx, key, func(ctx context.Context) (any, error) {
		return r.fetchKey(ctx, keyID, refresh)
	})
	if err != nil {
		return nil, "", err
	}
	res := v.(keyResult)
	return res.pub, res.owner, nil
}

// storedKey looks a remote key up in the store; ok is false when it is not
// there (or unusable, so that it is fetched again).
func (r *Resolver) storedKey(ctx context.Context, keyID string) (keyResult, bool, error) {
	k, err := r.db.KeyByID(ctx, keyID)
	if errors.Is(err, db.ErrNotFound) {
		return keyResult{}, false, nil
	}
	if err != nil {
		return keyResult{}, false, fmt.Errorf("resolve: key %s: %w", keyID, err)
	}
	pub, err := parsePublicKey(k.PEM)
	if err != nil {
		return keyResult{}, false, nil
	}
	return keyResult{pub: pub, owner: k.OwnerURI}, true, nil
}

func (r *Resolver) fetchKey(ctx context.Context, keyID string, refresh bool) (keyResult, error) {
	// Without refresh the caller has just missed the key in the store
	// (PublicKey): a second read would find only a key that a lookup
	// finishing in between stored, which the fetch then stores again.
	if refresh {
		a, err := r.db.AccountByKeyID(ctx, keyID)
		switch {
		case err == nil && r.fresh(a, r.keyRefresh):
			// Refreshed recently enough.
			if res, ok, err := r.storedKey(ctx, keyID); ok || err != nil {
				return res, err
			}
		case err == nil:
			// A known key to refresh: refetching its owner is enough, and
			// one request fewer where the key has its own URL.
			return r.keyOfOwner(ctx, keyID, a.URI, true)
		case !errors.Is(err, db.ErrNotFound):
			return keyResult{}, fmt.Errorf("resolve: key %s: %w", keyID, err)
		}
	}

	body, final, err := r.fetch(ctx, keyID)
	if err != nil {
		return keyResult{}, err
	}
	if doc, err := vocab.Parse(body); err == nil && doc.IsActor() {
		if r.checkID(keyID, final, doc) == nil {
			// The key URL is the actor itself (Mastodon's #main-key).
			acct, err := r.storeActor(ctx, withoutFragment(keyID), final, doc)
			if err != nil {
				return keyResult{}, err
			}
			return listedKey(doc, keyID, acct.URI, true)
		}
		// A stub of the owner served at the key's own URL (GoToSocial's
		// /main-key): the owner's document is the authority.
		if !vocab.SameHost(doc.ID, final) {
			return keyResult{}, fmt.Errorf("%w: key %s served by %s names owner %s", ErrSpoofed, keyID, final, doc.ID)
		}
		return r.keyOfOwner(ctx, keyID, doc.ID, refresh)
	}
	kd, err := parseKeyDocument(body)
	if err != nil {
		return keyResult{}, fmt.Errorf("%w: %s is neither an actor nor a key: %w", ErrNotFound, keyID, err)
	}
	if kd.ID != keyID && !(final != withoutFragment(keyID) && vocab.SameHost(kd.ID, final)) {
		return keyResult{}, fmt.Errorf("%w: %s served a key with id %s", ErrSpoofed, final, kd.ID)
	}
	if !vocab.SameHost(kd.Owner, kd.ID) {
		return keyResult{}, fmt.Errorf("%w: key %s names owner %q on another host", ErrSpoofed, kd.ID, kd.Owner)
	}
	return r.keyOfOwner(ctx, kd.ID, kd.Owner, refresh)
}

// keyOfOwner returns keyID if the owner actor lists it, taking the key from
// the owner's own document, never from a key document's copy.
func (r *Resolver) keyOfOwner(ctx context.Context, keyID, owner string, refresh bool) (keyResult, error) {
	if !refresh {
		a, err := r.db.AccountByURI(ctx, owner)
		if err == nil && a.PublicKeyID == keyID && r.fresh(a, r.refreshAfter) {
			if pub, err := parsePublicKey(a.PublicKeyPEM); err == nil {
				return keyResult{pub: pub, owner: a.URI}, nil
			}
		}
	}
	// Fetched for its document: the store keeps one key per actor, the
	// document lists them all.
	acct, doc, err := r.FetchActor(ctx, owner)
	if err != nil {
		return keyResult{}, err
	}
	return listedKey(doc, keyID, acct.URI, false)
}

// listedKey returns keyID as listed in the actor document doc. When the
// document was fetched from the key's own URL (only), its only key is taken
// even if its id is written differently.
func listedKey(doc *vocab.Object, keyID, owner string, onlyKey bool) (keyResult, error) {
	k := doc.Key(keyID)
	if k == nil && onlyKey && len(doc.PublicKey) == 1 {
		k = &doc.PublicKey[0]
	}
	if k == nil {
		return keyResult{}, fmt.Errorf("%w: key %s is not listed by its owner %s", ErrSpoofed, keyID, owner)
	}
	if err := ownKey(doc, k); err != nil {
		return keyResult{}, err
	}
	pub, err := parsePublicKey(k.PEM)
	if err != nil {
		return keyResult{}, fmt.Errorf("resolve: key %s: %w", keyID, err)
	}
	return keyResult{pub: pub, owner: owner}, nil
}

// keyDocument is a key served at its own URL. vocab.Parse refuses it when it
// has no type, and Object has no top-level owner or publicKeyPem.
type keyDocument struct {
	ID           string
	Owner        string
	PublicKeyPem string
}

func parseKeyDocument(body []byte) (*keyDocument, error) {
	var raw struct {
		ID           string          `json:"id"`
		Owner        json.RawMessage `json:"owner"`
		Controller   json.RawMessage `json:"controller"` // Multikey documents say controller
		PublicKeyPem string          `json:"publicKeyPem"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	kd := &keyDocument{ID: raw.ID, Owner: idOf(raw.Owner), PublicKeyPem: raw.PublicKeyPem}
	if kd.Owner == "" {
		kd.Owner = idOf(raw.Controller)
	}
	if !vocab.ValidID(kd.ID) || !vocab.ValidID(kd.Owner) {
		return nil, errors.New("key document without id or owner")
	}
	return kd, nil
}

// idOf reads an IRI given as a string or as an object with an id.
func idOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.ID
	}
	return ""
}

// parsePublicKey reads a PEM public key as peers publish it: SPKI ("PUBLIC
// KEY", RSA or Ed25519) or PKCS#1 ("RSA PUBLIC KEY"), PEM whitespace read
// tolerantly; RSA keys under 1024 bits are refused.
func parsePublicKey(s string) (crypto.PublicKey, error) {
	key, err := signature.ParsePublicKeyPEM(s)
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("public key: RSA key of %d bits is too small", k.N.BitLen())
		}
		return k, nil
	case ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("public key: unsupported type %T", key)
}
