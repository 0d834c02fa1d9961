package activitypub

import (
	"context"
	"errors"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Block makes actor block target (the local entry of Block); a remote
// target is told, so that its server hides actor's content from it.
func (e *Engine) Block(ctx context.Context, actor, target *db.Account) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		actID := e.db.NewID()
		block := vocab.NewBlock(e.activityURI(actor, actID), actor.URI, target.URI)
		if err := e.block(ctx, tx, actor, target, block.ID); err != nil {
			return err
		}
		return e.record(ctx, tx, actor, actID, block, nil, nonEmpty(personalInbox(target)))
	})
}

// Unblock lifts actor's block of target (the local entry of Undo Block).
func (e *Engine) Unblock(ctx context.Context, actor, target *db.Account) error {
	blockURI, err := e.db.BlockURI(ctx, actor.ID, target.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		if err := e.unblock(ctx, tx, actor, target); err != nil {
			return err
		}
		actID := e.db.NewID()
		undo := vocab.NewUndo(e.activityURI(actor, actID), actor.URI, vocab.NewBlock(blockURI, actor.URI, target.URI))
		return e.record(ctx, tx, actor, actID, undo, nil, nonEmpty(personalInbox(target)))
	})
}

// applyBlock is the remote entry of Block (of a local account).
func (e *Engine) applyBlock(ctx context.Context, ic *inboxContext) error {
	target, err := e.localTarget(ctx, ic.act.Object.ID())
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error { return e.block(ctx, tx, ic.actor, target, ic.act.ID) })
}

// undoBlock is the remote entry of Undo Block.
func (e *Engine) undoBlock(ctx context.Context, ic *inboxContext, targetURI string) error {
	target, err := e.localTarget(ctx, targetURI)
	if err != nil {
		return err
	}
	return e.seenTx(ctx, ic, func(tx *db.Tx) error { return e.unblock(ctx, tx, ic.actor, target) })
}

// block is the Block rule: actor blocks target (not itself) as the
// activity uri; the follows between them end, both ways.
func (e *Engine) block(ctx context.Context, tx *db.Tx, actor, target *db.Account, uri string) error {
	if actor.ID == target.ID {
		return ErrForbidden
	}
	if err := tx.InsertBlock(ctx, &db.Block{AccountID: actor.ID, TargetAccountID: target.ID, URI: uri}); err != nil {
		return err
	}
	return e.auditBrand(ctx, tx, actor, "block", nil, acctOf(target))
}

// unblock is the Undo Block rule: actor's block of target goes.
func (e *Engine) unblock(ctx context.Context, tx *db.Tx, actor, target *db.Account) error {
	if err := tx.DeleteBlock(ctx, actor.ID, target.ID); err != nil {
		return err
	}
	return e.auditBrand(ctx, tx, actor, "unblock", nil, acctOf(target))
}
