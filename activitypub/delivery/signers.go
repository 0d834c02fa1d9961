package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub/transport"
)

// Signer results are kept this long; errors briefly, so a fan-out does not
// ask the database once per row for an account it cannot sign for.
const (
	signerTTL      = 10 * time.Minute
	signerErrorTTL = 10 * time.Second
)

// signerCache calls Options.Signer once per account (concurrent callers wait
// for the first) and keeps the key: a fan-out of one activity signs
// thousands of requests with the same key.
type signerCache struct {
	fn  func(context.Context, int64) (transport.Signer, error)
	now func() time.Time
	mu  sync.Mutex
	m   map[int64]*signerEntry
}

type signerEntry struct {
	ready   chan struct{}
	s       transport.Signer
	err     error
	expires time.Time
}

func newSignerCache(fn func(context.Context, int64) (transport.Signer, error), now func() time.Time) *signerCache {
	return &signerCache{fn: fn, now: now, m: map[int64]*signerEntry{}}
}

func (c *signerCache) get(ctx context.Context, accountID int64) (transport.Signer, error) {
	c.mu.Lock()
	e := c.m[accountID]
	if e != nil {
		select {
		case <-e.ready:
			if c.now().After(e.expires) {
				e = nil
			}
		default: // being loaded: wait for it
		}
	}
	if e == nil {
		e = &signerEntry{ready: make(chan struct{})}
		c.m[accountID] = e
		c.mu.Unlock()
		e.s, e.err = c.fn(ctx, accountID)
		ttl := signerTTL
		if e.err != nil {
			ttl = signerErrorTTL
		}
		e.expires = c.now().Add(ttl)
		close(e.ready)
		return e.s, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
		return e.s, e.err
	case <-ctx.Done():
		return transport.Signer{}, ctx.Err()
	}
}
