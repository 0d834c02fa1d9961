package db

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
)

// LiveTokenIDs returns which of ids are tokens the API would still accept
// from a user: unrevoked, unexpired, of a user who may sign in (confirmed,
// approved, not disabled, own account not suspended), acting as an account
// that is not suspended. The streaming API checks its open connections
// with it, so a revoked token (an app's log-out, a suspension, a brand
// member's removal) stops receiving events.
func (d *DB) LiveTokenIDs(ctx context.Context, ids []int64) (map[int64]bool, error) {
	live := make(map[int64]bool, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var found []int64
		err := d.r.NewSelect().TableExpr("oauth_tokens AS t").Column("t.id").
			Join("JOIN users AS u ON u.id = t.user_id").
			Join("JOIN accounts AS ua ON ua.id = u.account_id").
			Join("LEFT JOIN accounts AS ta ON ta.id = t.account_id").
			Where("t.id IN (?)", bun.List(chunk)).
			Where("t.revoked_at IS NULL").
			Where("t.expires_at IS NULL OR t.expires_at > ?", now()).
			Where("u.confirmed_at IS NOT NULL AND u.approved = TRUE AND u.disabled = FALSE").
			Where("ua.suspended_at IS NULL AND ta.suspended_at IS NULL").
			Scan(ctx, &found)
		if err != nil {
			return nil, fmt.Errorf("db: live tokens: %w", err)
		}
		for _, id := range found {
			live[id] = true
		}
	}
	return live, nil
}
