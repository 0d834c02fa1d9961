-- Invite links (only the SHA-256 of the code is stored, like tokens), the
-- time a confirmation mail was sent (its link works for 24 hours; the
-- token itself is users.confirmation_token, also hashed), and a lookup of
-- single sign-on identities.
CREATE TABLE invites (
    id {{.PK}},
    code_hash TEXT NOT NULL,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    max_uses BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    expires_at {{.Timestamp}},
    revoked_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX invites_code_hash ON invites (code_hash);
--bun:split
CREATE INDEX invites_created_by ON invites (created_by_user_id);
--bun:split

ALTER TABLE users ADD COLUMN confirmation_sent_at {{.Timestamp}};
--bun:split
CREATE INDEX users_confirmation_token ON users (confirmation_token);
