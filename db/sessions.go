package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Session is a signed-in browser on the OAuth pages.
type Session struct {
	bun.BaseModel `bun:"table:sessions,alias:sess"`

	IDHash     string    `bun:"id_hash,pk"`
	UserID     int64     `bun:"user_id"`
	CreatedAt  time.Time `bun:"created_at"`
	ExpiresAt  time.Time `bun:"expires_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
}

// CreateSession starts a session for a user and returns its plaintext id
// (the cookie value). Expired sessions are swept on the way.
func (d *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, *Session, error) {
	plain := NewSecret()
	t := now()
	s := &Session{IDHash: HashSecret(plain), UserID: userID, CreatedAt: t, ExpiresAt: t.Add(ttl), LastSeenAt: t}
	err := d.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*Session)(nil)).Where("expires_at < ?", t).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(s).Exec(ctx)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("db: create session: %w", err)
	}
	return plain, s, nil
}

// SessionByPlaintext returns the unexpired session with this id.
func (d *DB) SessionByPlaintext(ctx context.Context, plain string) (*Session, error) {
	s := new(Session)
	err := d.r.NewSelect().Model(s).Where("id_hash = ? AND expires_at > ?", HashSecret(plain), now()).Scan(ctx)
	return s, notFound(err)
}

// TouchSession records activity on a session and slides its expiry.
func (d *DB) TouchSession(ctx context.Context, idHash string, expiresAt time.Time) error {
	_, err := d.w.NewUpdate().Model((*Session)(nil)).Set("last_seen_at = ?", now()).Set("expires_at = ?", expiresAt.UTC()).
		Where("id_hash = ?", idHash).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (idempotent).
func (d *DB) DeleteSession(ctx context.Context, plain string) error {
	_, err := d.w.NewDelete().Model((*Session)(nil)).Where("id_hash = ?", HashSecret(plain)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: delete session: %w", err)
	}
	return nil
}
