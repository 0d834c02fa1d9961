package activitypub

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// collectionPageSize is the number of items per collection page.
const collectionPageSize = 20

// ErrSignatureRequired: authorized fetch is on and the GET was not signed.
var ErrSignatureRequired = errors.New("a signed request is required")

// AuthorizedFetch reports whether GETs must be signed.
func (e *Engine) AuthorizedFetch() bool { return e.opts.AuthorizedFetch }

// FetchViewer returns who is asking for an ActivityPub document: the actor
// that signed the GET, or Anonymous when it is unsigned (refused with
// ErrSignatureRequired in authorized-fetch mode). A signature that is
// present but wrong is an error either way.
func (e *Engine) FetchViewer(ctx context.Context, r *http.Request) (db.Viewer, error) {
	if r.Header.Get("Signature") == "" && r.Header.Get("Signature-Input") == "" &&
		!hasSignatureAuth(r.Header.Get("Authorization")) {
		if e.opts.AuthorizedFetch {
			return db.Anonymous, ErrSignatureRequired
		}
		return db.Anonymous, nil
	}
	res, err := signature.Verify(ctx, r, nil, e.resolver, e.verifyOptions(false))
	if err != nil {
		return db.Anonymous, err
	}
	if e.DomainBlocked(ctx, vocab.Host(res.Owner)) {
		return db.Anonymous, ErrForbidden
	}
	a, err := e.resolver.Actor(ctx, res.Owner, false)
	if err != nil {
		return db.Anonymous, err
	}
	return db.ViewerOf(a.ID), nil
}

func hasSignatureAuth(h string) bool {
	return len(h) > 10 && (h[:10] == "Signature " || h[:10] == "signature ")
}

// pageURL adds page parameters to a collection id.
func pageURL(base string, maxID int64) string {
	u := base + "?page=true"
	if maxID > 0 {
		u += "&max_id=" + strconv.FormatInt(maxID, 10)
	}
	return u
}

// OutboxCollection renders a local account's outbox: the collection, or
// one page of Create and Announce activities when page is true.
func (e *Engine) OutboxCollection(ctx context.Context, a *db.Account, v db.Viewer, page bool, maxID int64) (*vocab.Object, error) {
	if !page {
		n, err := e.db.CountPublicStatuses(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		c := vocab.NewOrderedCollection(a.OutboxURI, n)
		c.First = vocab.NewRef(pageURL(a.OutboxURI, 0))
		c.Last = pageURL(a.OutboxURI, 0) + "&min_id=0"
		return c, nil
	}
	list, err := e.db.AccountStatuses(ctx, a.ID, v, db.AccountStatusesFilter{}, db.Page{MaxID: maxID, Limit: collectionPageSize})
	if err != nil {
		return nil, err
	}
	items := make([]*vocab.Object, 0, len(list))
	for _, s := range list {
		act, err := e.StatusActivity(ctx, s)
		if err != nil {
			return nil, err
		}
		act.Context = nil
		items = append(items, act)
	}
	p := vocab.NewOrderedCollectionPage(pageURL(a.OutboxURI, maxID), a.OutboxURI, vocab.Embed(items...))
	if len(list) == collectionPageSize {
		p.Next = pageURL(a.OutboxURI, list[len(list)-1].ID)
	}
	return p, nil
}

// StatusActivity renders a status as the activity that published it: a
// Create of its Note, or the Announce of a boost.
func (e *Engine) StatusActivity(ctx context.Context, s *db.Status) (*vocab.Object, error) {
	if s.ReblogOfID != nil {
		orig, err := e.db.StatusByIDAny(ctx, *s.ReblogOfID)
		if err != nil {
			return nil, err
		}
		ann := e.announceOf(s.Account, s, orig)
		ann.Context = nil
		return ann, nil
	}
	note, err := e.NoteDocument(ctx, s, s.Account)
	if err != nil {
		return nil, err
	}
	create := vocab.NewCreate(s.URI+"/activity", s.Account.URI, note)
	return create, nil
}

// FollowCollection renders followers or following of a local account.
// Items are listed unless the account hides its collections.
func (e *Engine) FollowCollection(ctx context.Context, a *db.Account, followers, page bool, maxID int64) (*vocab.Object, error) {
	id, total := a.FollowingURI, a.FollowingCount
	if followers {
		id, total = a.FollowersURI, a.FollowersCount
	}
	if !page || a.HideCollections {
		c := vocab.NewOrderedCollection(id, int(total))
		if !a.HideCollections {
			c.First = vocab.NewRef(pageURL(id, 0))
		}
		return c, nil
	}
	var list []*db.Account
	var cursors []int64
	var err error
	if followers {
		list, cursors, err = e.db.FollowersPage(ctx, a.ID, db.Page{MaxID: maxID, Limit: collectionPageSize * 2})
	} else {
		list, cursors, err = e.db.FollowingPage(ctx, a.ID, db.Page{MaxID: maxID, Limit: collectionPageSize * 2})
	}
	if err != nil {
		return nil, err
	}
	uris := make([]string, len(list))
	for i, acct := range list {
		uris[i] = acct.URI
	}
	p := vocab.NewOrderedCollectionPage(pageURL(id, maxID), id, vocab.NewRef(uris...))
	p.TotalItems = vocab.Int(int(total))
	if len(list) == collectionPageSize*2 {
		p.Next = pageURL(id, cursors[len(cursors)-1])
	}
	return p, nil
}

// FeaturedCollection renders a local account's pinned statuses that v may see.
func (e *Engine) FeaturedCollection(ctx context.Context, a *db.Account, v db.Viewer) (*vocab.Object, error) {
	list, err := e.db.AccountStatuses(ctx, a.ID, v, db.AccountStatusesFilter{Pinned: true, ExcludeReblogs: true}, db.Page{Limit: 40})
	if err != nil {
		return nil, err
	}
	items := make([]*vocab.Object, 0, len(list))
	for _, s := range list {
		note, err := e.NoteDocument(ctx, s, a)
		if err != nil {
			return nil, err
		}
		note.Context = nil
		items = append(items, note)
	}
	c := vocab.NewOrderedCollection(a.FeaturedURI, len(items))
	c.OrderedItems = vocab.Embed(items...)
	return c, nil
}

// RepliesCollection lists the replies to a local status that v may see.
func (e *Engine) RepliesCollection(ctx context.Context, s *db.Status, v db.Viewer) (*vocab.Object, error) {
	list, err := e.db.StatusReplies(ctx, s.ID, v, 100)
	if err != nil {
		return nil, err
	}
	uris := make([]string, len(list))
	for i, r := range list {
		uris[i] = r.URI
	}
	id := s.URI + "/replies"
	c := &vocab.Object{Context: vocab.NewOrderedCollection(id, 0).Context, ID: id, Type: "Collection", TotalItems: vocab.Int(len(uris))}
	c.Items = vocab.NewRef(uris...)
	return c, nil
}

// ActivityForViewer returns a stored local activity if v may see it (see
// mayFetchActivity), else ErrNotFound.
func (e *Engine) ActivityForViewer(ctx context.Context, uri string, v db.Viewer) ([]byte, error) {
	act, err := e.db.ActivityByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	if ok, err := e.mayFetchActivity(ctx, act, v); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	return act.Body, nil
}
