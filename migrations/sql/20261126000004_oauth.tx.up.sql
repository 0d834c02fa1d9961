-- OAuth applications, authorization codes and tokens (stored as SHA-256 hashes).
CREATE TABLE oauth_apps (
    id {{.PK}},
    name TEXT NOT NULL,
    website TEXT NOT NULL DEFAULT '',
    redirect_uris TEXT NOT NULL DEFAULT '',
    scopes TEXT NOT NULL DEFAULT 'read',
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX oauth_apps_client_id ON oauth_apps (client_id);
--bun:split

CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    expires_at {{.Timestamp}} NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split

-- account_id is the identity the token acts as: the user's own account or a
-- brand the user is a member of (then role_ceiling holds the member's role).
CREATE TABLE oauth_tokens (
    id {{.PK}},
    token_hash TEXT NOT NULL,
    refresh_hash TEXT,
    app_id BIGINT REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    role_ceiling TEXT NOT NULL DEFAULT '',
    expires_at {{.Timestamp}},
    revoked_at {{.Timestamp}},
    last_used_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX oauth_tokens_token_hash ON oauth_tokens (token_hash);
--bun:split
CREATE UNIQUE INDEX oauth_tokens_refresh_hash ON oauth_tokens (refresh_hash);
--bun:split
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id, account_id);
--bun:split

CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status_id BIGINT NOT NULL,
    created_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (account_id, key)
);
