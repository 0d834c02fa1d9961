package db

import (
	"context"

	"github.com/uptrace/bun"
)

// StatusesBothWays reads the statuses ids (in id order) as bun's ScanRows
// reads them from a query of their model (what preparedStatuses did before
// scanStatuses) and as the hot reads do now (statusSelect, scanStatuses).
func (d *DB) StatusesBothWays(ctx context.Context, ids []int64) (byBun, byHand []*Status, err error) {
	if err := d.r.NewSelect().Model(&byBun).Where("s.id IN (?)", bun.List(ids)).OrderExpr("s.id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	query := d.r.NewSelect().Model((*Status)(nil)).ColumnExpr(d.statusSelect("s")).
		Where("s.id IN (?)", bun.List(ids)).OrderExpr("s.id").String()
	rows, err := d.r.DB.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	byHand, err = scanStatuses(rows)
	return byBun, byHand, err
}

// StatusColumnNames are the columns the hot reads of statuses select.
func StatusColumnNames() []string {
	names := make([]string, len(statusColumns))
	for i, c := range statusColumns {
		names[i] = c.name
	}
	return names
}
