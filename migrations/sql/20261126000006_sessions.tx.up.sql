-- Browser sessions of the OAuth sign-in page (only the SHA-256 of the
-- session id is stored, like tokens), and what an authorization code needs
-- to be single-use: when it was redeemed and the token it gave, so a replay
-- can revoke that token (RFC 6749 section 4.1.2).
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL,
    expires_at {{.Timestamp}} NOT NULL,
    last_seen_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX sessions_user ON sessions (user_id);
--bun:split
CREATE INDEX sessions_expires_at ON sessions (expires_at);
--bun:split

ALTER TABLE oauth_codes ADD COLUMN used_at {{.Timestamp}};
--bun:split
ALTER TABLE oauth_codes ADD COLUMN token_id BIGINT;
--bun:split
CREATE INDEX oauth_codes_token ON oauth_codes (token_id);
--bun:split
CREATE INDEX oauth_codes_expires_at ON oauth_codes (expires_at);
