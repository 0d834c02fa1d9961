-- Who follows, blocks and mutes whom, and what each local account is told about it.
CREATE TABLE follows (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    accepted BOOLEAN NOT NULL DEFAULT FALSE,
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    languages TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX follows_pair ON follows (account_id, target_account_id);
--bun:split
CREATE INDEX follows_target ON follows (target_account_id, accepted, id DESC);
--bun:split
CREATE INDEX follows_uri ON follows (uri);
--bun:split

CREATE TABLE blocks (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX blocks_pair ON blocks (account_id, target_account_id);
--bun:split
CREATE INDEX blocks_target ON blocks (target_account_id);
--bun:split

CREATE TABLE mutes (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX mutes_pair ON mutes (account_id, target_account_id);
--bun:split

-- A user's own domain blocks (Mastodon's "hide everything from domain").
CREATE TABLE account_domain_blocks (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX account_domain_blocks_pair ON account_domain_blocks (account_id, domain);
--bun:split

CREATE TABLE account_notes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, target_account_id)
);
--bun:split

CREATE TABLE notifications (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX notifications_account_id ON notifications (account_id, id DESC);
--bun:split
CREATE INDEX notifications_status_id ON notifications (status_id);
--bun:split
CREATE INDEX notifications_from ON notifications (from_account_id);
--bun:split

CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,
    last_read_id BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
--bun:split

CREATE TABLE lists (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX lists_account_id ON lists (account_id);
--bun:split
CREATE TABLE list_accounts (
    list_id BIGINT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);
--bun:split
CREATE INDEX list_accounts_account_id ON list_accounts (account_id);
--bun:split

CREATE TABLE followed_tags (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (account_id, tag_id)
);
--bun:split
CREATE INDEX followed_tags_tag_id ON followed_tags (tag_id);
--bun:split

CREATE TABLE filters (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    contexts TEXT NOT NULL DEFAULT '[]',
    action TEXT NOT NULL DEFAULT 'warn',
    expires_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX filters_account_id ON filters (account_id);
--bun:split
CREATE TABLE filter_keywords (
    id {{.PK}},
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word BOOLEAN NOT NULL DEFAULT TRUE
);
--bun:split
CREATE INDEX filter_keywords_filter_id ON filter_keywords (filter_id);
--bun:split
CREATE TABLE filter_statuses (
    id {{.PK}},
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX filter_statuses_filter_id ON filter_statuses (filter_id);
--bun:split

-- Direct-message conversations as each participant sees them.
CREATE TABLE conversations (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL,
    participant_ids TEXT NOT NULL DEFAULT '[]',
    last_status_id BIGINT,
    unread BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX conversations_account_thread ON conversations (account_id, thread_id);
--bun:split
CREATE INDEX conversations_account_last ON conversations (account_id, last_status_id DESC);
