package db

import (
	"context"
	"fmt"
	"time"
)

// MuteAccount mutes target for account, or changes an existing mute's
// options (notifications, expiry).
func (d *DB) MuteAccount(ctx context.Context, m *Mute) error {
	m.ID, m.CreatedAt = d.NewID(), now()
	_, err := d.w.NewInsert().Model(m).On("CONFLICT (account_id, target_account_id) DO UPDATE").
		Set("hide_notifications = EXCLUDED.hide_notifications").Set("expires_at = EXCLUDED.expires_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: mute: %w", err)
	}
	return nil
}

// UnmuteAccount lifts a mute (idempotent).
func (d *DB) UnmuteAccount(ctx context.Context, accountID, targetID int64) error {
	_, err := d.w.NewDelete().Model((*Mute)(nil)).Where("account_id = ? AND target_account_id = ?", accountID, targetID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unmute: %w", err)
	}
	return nil
}

// MutesPage lists the accounts account mutes (unexpired), most recent
// first, with each mute's expiry; cursors are mute IDs.
func (d *DB) MutesPage(ctx context.Context, accountID int64, p Page) ([]*Account, []int64, []*time.Time, error) {
	return d.accountPage(ctx, "mutes", "target_account_id", "r.expires_at", p,
		"r.account_id = ? AND (r.expires_at IS NULL OR r.expires_at > ?)", accountID, now())
}

// MuteThread silences notifications from a conversation (idempotent).
func (d *DB) MuteThread(ctx context.Context, accountID, threadID int64) error {
	_, err := d.w.NewRaw("INSERT INTO thread_mutes (account_id, thread_id) VALUES (?, ?) ON CONFLICT DO NOTHING", accountID, threadID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: mute thread: %w", err)
	}
	return nil
}

// UnmuteThread lifts a conversation mute (idempotent).
func (d *DB) UnmuteThread(ctx context.Context, accountID, threadID int64) error {
	_, err := d.w.NewDelete().Table("thread_mutes").Where("account_id = ? AND thread_id = ?", accountID, threadID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unmute thread: %w", err)
	}
	return nil
}
