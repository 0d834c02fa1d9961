package db

import (
	"context"
	"database/sql"
	"fmt"
)

// QueueStats are the sizes an operator watches: work waiting and peers down.
type QueueStats struct {
	DeliveriesQueued int64 // rows waiting to be sent (due now or later)
	InboxQueued      int64 // received activities not yet applied
	HostsDown        int64 // remote hosts that failed often enough to be considered down
	PushesQueued     int64 // Web Push messages waiting to be sent (due now or later)
}

// QueueStats counts the queues in one query.
func (d *DB) QueueStats(ctx context.Context) (QueueStats, error) {
	var s QueueStats
	err := d.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM deliveries),
		(SELECT count(*) FROM inbox_items),
		(SELECT count(*) FROM instances WHERE down_since IS NOT NULL),
		(SELECT count(*) FROM push_deliveries)`).
		Scan(&s.DeliveriesQueued, &s.InboxQueued, &s.HostsDown, &s.PushesQueued)
	if err != nil {
		return s, fmt.Errorf("db: queue stats: %w", err)
	}
	return s, nil
}

// PoolStats are the connection pool's statistics: the writer's, and on
// SQLite the separate readers' as well (on PostgreSQL both are one pool).
func (d *DB) PoolStats() map[string]sql.DBStats {
	stats := map[string]sql.DBStats{"write": d.w.DB.Stats()}
	if d.r != d.w {
		stats["read"] = d.r.DB.Stats()
	}
	return stats
}
