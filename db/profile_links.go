package db

import (
	"context"
	"fmt"
	"reflect"

	"github.com/uptrace/bun"
)

// UpdateAccountFields rewrites the profile fields of an account through
// change, in one transaction, so a background job (rel="me" verification)
// never overwrites an edit the owner made meanwhile: change sees the fields
// as stored now. Nothing is written when change returns them unchanged.
func (d *DB) UpdateAccountFields(ctx context.Context, accountID int64, change func([]Field) []Field) error {
	return d.tx(ctx, func(tx bun.Tx) error {
		a := new(Account)
		q := tx.NewSelect().Model(a).Column("id", "fields").Where("id = ?", accountID)
		if d.dialect == Postgres {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return notFound(err)
		}
		before := append([]Field(nil), a.Fields...)
		after := change(a.Fields)
		if after == nil {
			after = []Field{}
		}
		if reflect.DeepEqual(before, after) {
			return nil
		}
		a.Fields = after
		if _, err := tx.NewUpdate().Model(a).Column("fields").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("db: update account fields: %w", err)
		}
		return nil
	})
}
