package activitypub

import (
	"context"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// CommitBatch hands fns, the write steps of the inbox items items (whose
// activity ids are their ActivityURIs), to a committer as one batch and
// returns each step's outcome.
func (e *Engine) CommitBatch(ctx context.Context, items []*db.InboxItem, fns []func(tx *db.Tx) error) []error {
	batch := make([]*writeStep, len(items))
	for i, it := range items {
		ic := &inboxContext{item: it, act: &vocab.Object{ID: it.ActivityURI}}
		batch[i] = &writeStep{ic: ic, fn: fns[i], done: make(chan error, 1)}
	}
	e.commitSteps(ctx, batch)
	out := make([]error, len(batch))
	for i, s := range batch {
		out[i] = <-s.done
	}
	return out
}
