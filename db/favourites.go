package db

import (
	"context"
	"fmt"
)

// HasFavourited reports whether an account favourited a status.
func (d *DB) HasFavourited(ctx context.Context, accountID, statusID int64) (bool, error) {
	return d.r.NewSelect().Table("favourites").Where("account_id = ? AND status_id = ?", accountID, statusID).Exists(ctx)
}

// FavouritedStatuses lists the statuses an account favourited and may
// still see, most recent first, paged by favourite id.
func (d *DB) FavouritedStatuses(ctx context.Context, accountID int64, p Page) ([]*Status, []int64, error) {
	return d.savedStatuses(ctx, "favourites", accountID, p)
}

// FavouritedBy lists the accounts that favourited a status, most recent
// first, paged by favourite id (the cursors).
func (d *DB) FavouritedBy(ctx context.Context, statusID int64, v Viewer, p Page) ([]*Account, []int64, error) {
	var rows []cursorRow
	q := d.r.NewSelect().TableExpr("favourites AS f").ColumnExpr("f.id AS cursor, f.account_id AS target").
		Where("f.status_id = ?", statusID)
	q = excludedFor(q, "f.account_id", v)
	if err := p.apply(q, "f.id").Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("db: favourited by: %w", err)
	}
	return d.accountsByCursor(ctx, p, rows)
}

// InsertFavourite records a like; created is false when it already existed.
func (t *Tx) InsertFavourite(ctx context.Context, f *Favourite) (created bool, err error) {
	f.ID, f.CreatedAt = t.d.NewID(), now()
	res, err := t.tx.NewInsert().Model(f).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: insert favourite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	t.addCounter("statuses", "favourites_count", f.StatusID, +1)
	return true, nil
}

// DeleteFavourite removes a like (idempotent) and returns it.
func (t *Tx) DeleteFavourite(ctx context.Context, accountID, statusID int64) (*Favourite, error) {
	f := new(Favourite)
	if err := t.tx.NewSelect().Model(f).Where("account_id = ? AND status_id = ?", accountID, statusID).Scan(ctx); err != nil {
		return nil, notFound(err)
	}
	if _, err := t.tx.NewDelete().Model(f).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: delete favourite: %w", err)
	}
	t.addCounter("statuses", "favourites_count", statusID, -1)
	return f, nil
}

// FavouriteByURI finds a like by its Like activity id.
func (d *DB) FavouriteByURI(ctx context.Context, uri string) (*Favourite, error) {
	f := new(Favourite)
	err := d.r.NewSelect().Model(f).Where("uri = ?", uri).Limit(1).Scan(ctx)
	return f, notFound(err)
}
