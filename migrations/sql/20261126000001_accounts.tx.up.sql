-- Accounts, local and remote, in one table; users are the logins of local accounts.
CREATE TABLE accounts (
    id {{.PK}},
    username TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    actor_type TEXT NOT NULL DEFAULT 'Person',
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    note_source TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]',
    avatar_media_id BIGINT,
    header_media_id BIGINT,
    avatar_remote_url TEXT NOT NULL DEFAULT '',
    header_remote_url TEXT NOT NULL DEFAULT '',
    inbox_uri TEXT NOT NULL DEFAULT '',
    shared_inbox_uri TEXT NOT NULL DEFAULT '',
    outbox_uri TEXT NOT NULL DEFAULT '',
    followers_uri TEXT NOT NULL DEFAULT '',
    following_uri TEXT NOT NULL DEFAULT '',
    featured_uri TEXT NOT NULL DEFAULT '',
    public_key_id TEXT NOT NULL DEFAULT '',
    public_key_pem TEXT NOT NULL DEFAULT '',
    private_key_pem TEXT NOT NULL DEFAULT '',
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    bot BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT TRUE,
    indexable BOOLEAN NOT NULL DEFAULT TRUE,
    hide_collections BOOLEAN NOT NULL DEFAULT FALSE,
    memorial BOOLEAN NOT NULL DEFAULT FALSE,
    is_brand BOOLEAN NOT NULL DEFAULT FALSE,
    also_known_as TEXT NOT NULL DEFAULT '[]',
    moved_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    suspended_at {{.Timestamp}},
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    statuses_count BIGINT NOT NULL DEFAULT 0,
    last_status_at {{.Timestamp}},
    fetched_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX accounts_uri ON accounts (uri);
--bun:split
CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), domain);
--bun:split
CREATE INDEX accounts_public_key_id ON accounts (public_key_id);
--bun:split
CREATE INDEX accounts_domain ON accounts (domain);
--bun:split
CREATE INDEX accounts_url ON accounts (url);
--bun:split

CREATE TABLE users (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'user',
    locale TEXT NOT NULL DEFAULT '',
    confirmed_at {{.Timestamp}},
    confirmation_token TEXT NOT NULL DEFAULT '',
    approved BOOLEAN NOT NULL DEFAULT TRUE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    sign_up_reason TEXT NOT NULL DEFAULT '',
    sso_issuer TEXT NOT NULL DEFAULT '',
    sso_subject TEXT NOT NULL DEFAULT '',
    invite_id BIGINT,
    default_privacy TEXT NOT NULL DEFAULT 'public',
    default_sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    default_language TEXT NOT NULL DEFAULT '',
    last_sign_in_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX users_account_id ON users (account_id);
--bun:split
CREATE UNIQUE INDEX users_email ON users (lower(email));
--bun:split
CREATE INDEX users_sso ON users (sso_issuer, sso_subject);
--bun:split

-- Instance-wide domain blocks (admin CLI and config), and remote instance health.
CREATE TABLE domain_blocks (
    domain TEXT PRIMARY KEY,
    severity TEXT NOT NULL DEFAULT 'suspend',
    reason TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE TABLE instances (
    domain TEXT PRIMARY KEY,
    software TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    wants_rfc9421 BOOLEAN NOT NULL DEFAULT FALSE,
    failures BIGINT NOT NULL DEFAULT 0,
    down_since {{.Timestamp}},
    next_probe_at {{.Timestamp}},
    last_success_at {{.Timestamp}},
    last_failure_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
