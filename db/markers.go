package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Marker is a user's reading position in a timeline (home, notifications).
type Marker struct {
	bun.BaseModel `bun:"table:markers,alias:mk"`

	AccountID  int64     `bun:"account_id,pk"`
	Timeline   string    `bun:"timeline,pk"`
	LastReadID int64     `bun:"last_read_id"`
	Version    int64     `bun:"version"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// Markers returns accountID's markers of the given timelines, keyed by timeline.
func (d *DB) Markers(ctx context.Context, accountID int64, timelines []string) (map[string]*Marker, error) {
	out := map[string]*Marker{}
	if len(timelines) == 0 {
		return out, nil
	}
	var list []*Marker
	err := d.r.NewSelect().Model(&list).Where("account_id = ? AND timeline IN (?)", accountID, bun.List(timelines)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: markers: %w", err)
	}
	for _, m := range list {
		out[m.Timeline] = m
	}
	return out, nil
}

// SaveMarkers stores reading positions (timeline → last read ID) in one
// transaction; each stored marker's version goes up by one.
func (d *DB) SaveMarkers(ctx context.Context, accountID int64, positions map[string]int64) error {
	t := now()
	return d.tx(ctx, func(tx bun.Tx) error {
		for timeline, id := range positions {
			m := &Marker{AccountID: accountID, Timeline: timeline, LastReadID: id, UpdatedAt: t}
			_, err := tx.NewInsert().Model(m).
				On("CONFLICT (account_id, timeline) DO UPDATE").
				Set("last_read_id = EXCLUDED.last_read_id").
				Set("version = mk.version + 1").
				Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
			if err != nil {
				return fmt.Errorf("db: save marker: %w", err)
			}
		}
		return nil
	})
}
