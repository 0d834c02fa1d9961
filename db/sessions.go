package db

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

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
	UserAgent  string    `bun:"user_agent"`
	IP         string    `bun:"ip"`
}

// SessionClient is the browser a session is started or used from, as the
// settings page shows it.
type SessionClient struct {
	UserAgent string
	IP        string
}

// maxUserAgent bounds what is stored of a User-Agent header.
const maxUserAgent = 400

// CreateSession starts a session for a user and returns its plaintext id
// (the cookie value). Expired sessions are swept on the way.
func (d *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration, c SessionClient) (string, *Session, error) {
	plain := NewSecret()
	t := now()
	s := &Session{IDHash: HashSecret(plain), UserID: userID, CreatedAt: t, ExpiresAt: t.Add(ttl), LastSeenAt: t,
		UserAgent: truncateUTF8(c.UserAgent, maxUserAgent), IP: c.IP}
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

// TouchSession records activity on a session (and the address it came
// from) and slides its expiry.
func (d *DB) TouchSession(ctx context.Context, idHash string, expiresAt time.Time, ip string) error {
	_, err := d.w.NewUpdate().Model((*Session)(nil)).Set("last_seen_at = ?", now()).Set("expires_at = ?", expiresAt.UTC()).
		Set("ip = ?", ip).Where("id_hash = ?", idHash).Exec(ctx)
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

// UserSessions returns a user's unexpired sessions, most recently used first.
func (d *DB) UserSessions(ctx context.Context, userID int64) ([]Session, error) {
	var out []Session
	err := d.r.NewSelect().Model(&out).Where("user_id = ? AND expires_at > ?", userID, now()).
		Order("last_seen_at DESC", "id_hash").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: user sessions: %w", err)
	}
	return out, nil
}

// DeleteUserSession ends one of a user's sessions by its stored hash;
// ErrNotFound when the user has no such session.
func (d *DB) DeleteUserSession(ctx context.Context, userID int64, idHash string) error {
	res, err := d.w.NewDelete().Model((*Session)(nil)).Where("user_id = ? AND id_hash = ?", userID, idHash).Exec(ctx)
	return exactlyOne(res, err, "delete user session")
}

// truncateUTF8 cuts s to at most n bytes without splitting a character
// (PostgreSQL refuses invalid UTF-8).
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
