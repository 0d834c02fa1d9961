package db

import (
	"context"
	"fmt"
)

// AdminQueues are the counts the admin dashboard opens with: what waits
// for a moderator.
type AdminQueues struct {
	OpenReports    int64
	PendingSignUps int64
}

// AdminQueueCounts counts open reports and sign-ups waiting for approval
// in one query.
func (d *DB) AdminQueueCounts(ctx context.Context) (AdminQueues, error) {
	var q AdminQueues
	err := d.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM reports WHERE action_taken_at IS NULL),
		(SELECT count(*) FROM users WHERE approved = FALSE)`).Scan(&q.OpenReports, &q.PendingSignUps)
	if err != nil {
		return q, fmt.Errorf("db: admin queue counts: %w", err)
	}
	return q, nil
}
