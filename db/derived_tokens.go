package db

import (
	"context"
	"fmt"
	"strings"
)

// EnsureToken makes sure a token with the plaintext plain exists (issuing
// it as n describes when it does not) and returns it. It is for tokens
// whose plaintext is derived from another secret rather than drawn here,
// so the holder can compute it again instead of anyone storing it: the
// web pages' streaming token, derived from the browser's session.
func (d *DB) EnsureToken(ctx context.Context, plain string, n NewToken) (*Token, error) {
	t := &Token{
		ID:          d.NewID(),
		TokenHash:   HashSecret(plain),
		AppID:       n.AppID,
		UserID:      n.UserID,
		AccountID:   n.AccountID,
		Scopes:      strings.Join(n.Scopes, " "),
		RoleCeiling: n.RoleCeiling,
		ExpiresAt:   n.ExpiresAt,
		CreatedAt:   now(),
	}
	if _, err := d.w.NewInsert().Model(t).On("CONFLICT (token_hash) DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: ensure token: %w", err)
	}
	return d.TokenByPlaintext(ctx, plain)
}
