package resolve

import (
	"context"
	"fmt"

	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/activitypub/vocab"
)

// Object fetches a remote object (signed by the instance actor, or by the
// user of OnBehalfOf when ctx carries one). Its id must
// be on the host of the URL that answered: uri's host, or after redirects
// the final URL's host; otherwise ErrSpoofed. Local URIs are refused with
// ErrLocal: the caller reads local objects from the store. 404 and 410 are
// ErrNotFound and ErrGone.
func (r *Resolver) Object(ctx context.Context, uri string) (*vocab.Object, error) {
	if !vocab.ValidID(uri) {
		return nil, fmt.Errorf("resolve: invalid object id %q", uri)
	}
	if r.isLocal(uri) {
		return nil, fmt.Errorf("%w: %s", ErrLocal, uri)
	}
	var signer *transport.Signer
	if s, ok := ctx.Value(onBehalfOfKey{}).(transport.Signer); ok {
		signer = &s
	}
	body, final, err := r.fetchAs(ctx, uri, signer)
	if err != nil {
		return nil, err
	}
	doc, err := vocab.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("resolve: object %s: %w", uri, err)
	}
	switch {
	case doc.ID == "":
		return nil, fmt.Errorf("%w: object from %s has no id", ErrSpoofed, final)
	case !vocab.SameHost(doc.ID, final):
		return nil, fmt.Errorf("%w: %s served an object with id %s", ErrSpoofed, final, doc.ID)
	case r.isLocal(doc.ID):
		return nil, fmt.Errorf("%w: %s served an object with local id %s", ErrSpoofed, final, doc.ID)
	}
	return doc, nil
}
