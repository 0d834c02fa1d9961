package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Activity is a local activity: its id answers GET (peers Accept a Follow by
// id alone) and its body is what deliveries send.
type Activity struct {
	bun.BaseModel `bun:"table:activities,alias:act"`

	ID        int64     `bun:"id,pk"`
	URI       string    `bun:"uri"`
	AccountID int64     `bun:"account_id"`
	Type      string    `bun:"type"`
	ObjectURI string    `bun:"object_uri"`
	StatusID  *int64    `bun:"status_id"`
	Body      []byte    `bun:"body"`
	Public    bool      `bun:"public"`
	CreatedAt time.Time `bun:"created_at"`
}

// InsertActivity stores a local activity. ID must be set (its URI is built from it).
func (t *Tx) InsertActivity(ctx context.Context, a *Activity) error {
	a.CreatedAt = now()
	if _, err := t.tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert activity: %w", err)
	}
	return nil
}

// ActivityByURI returns a local activity by id.
func (d *DB) ActivityByURI(ctx context.Context, uri string) (*Activity, error) {
	a := new(Activity)
	err := d.r.NewSelect().Model(a).Where("uri = ?", uri).Scan(ctx)
	return a, notFound(err)
}

// MarkSeen records an activity id as applied; false means it already was.
func (t *Tx) MarkSeen(ctx context.Context, uri string) (bool, error) {
	if uri == "" {
		return true, nil
	}
	res, err := t.tx.NewRaw(`INSERT INTO seen_activities (uri, created_at) VALUES (?, ?) ON CONFLICT (uri) DO NOTHING`, uri, now()).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: mark seen: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// PruneSeen forgets applied activity ids older than before.
func (d *DB) PruneSeen(ctx context.Context, before time.Time) error {
	_, err := d.w.NewDelete().TableExpr("seen_activities").Where("created_at < ?", before.UTC()).Exec(ctx)
	return err
}
