-- Statuses and what hangs off them. Visibility: 0 public, 1 unlisted, 2 private (followers), 3 direct.
CREATE TABLE statuses (
    id {{.PK}},
    uri TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    local BOOLEAN NOT NULL DEFAULT FALSE,
    visibility SMALLINT NOT NULL DEFAULT 0,
    in_reply_to_id BIGINT,
    in_reply_to_account_id BIGINT,
    in_reply_to_uri TEXT NOT NULL DEFAULT '',
    reblog_of_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL DEFAULT 0,
    content TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    language TEXT NOT NULL DEFAULT '',
    has_media BOOLEAN NOT NULL DEFAULT FALSE,
    poll_id BIGINT,
    application_id BIGINT,
    quote_of_id BIGINT,
    replies_count BIGINT NOT NULL DEFAULT 0,
    reblogs_count BIGINT NOT NULL DEFAULT 0,
    favourites_count BIGINT NOT NULL DEFAULT 0,
    created_at {{.Timestamp}} NOT NULL,
    edited_at {{.Timestamp}},
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX statuses_uri ON statuses (uri);
--bun:split
CREATE INDEX statuses_account_id ON statuses (account_id, id DESC);
--bun:split
CREATE INDEX statuses_in_reply_to_id ON statuses (in_reply_to_id);
--bun:split
CREATE INDEX statuses_reblog_of_id ON statuses (reblog_of_id, account_id);
--bun:split
CREATE INDEX statuses_thread_id ON statuses (thread_id);
--bun:split
CREATE INDEX statuses_url ON statuses (url);
--bun:split
-- The public timelines read only public originals, newest first.
CREATE INDEX statuses_public ON statuses (id DESC) WHERE visibility = 0 AND reblog_of_id IS NULL;
--bun:split

-- Deleted objects answer 410 and late Creates/Updates of them are refused.
CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    account_id BIGINT,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split

CREATE TABLE status_mentions (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    silent BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (status_id, account_id)
);
--bun:split
CREATE INDEX status_mentions_account_id ON status_mentions (account_id, status_id DESC);
--bun:split

CREATE TABLE tags (
    id {{.PK}},
    name TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    last_status_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX tags_name ON tags (name);
--bun:split
CREATE TABLE status_tags (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
--bun:split
CREATE INDEX status_tags_status_id ON status_tags (status_id);
--bun:split

CREATE TABLE status_edits (
    id {{.PK}},
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    media_ids TEXT NOT NULL DEFAULT '[]',
    poll_options TEXT NOT NULL DEFAULT '[]',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX status_edits_status_id ON status_edits (status_id, id);
--bun:split

CREATE TABLE media_attachments (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    scheduled_status_id BIGINT,
    kind TEXT NOT NULL DEFAULT 'unknown',
    content_type TEXT NOT NULL DEFAULT '',
    file_key TEXT NOT NULL DEFAULT '',
    preview_key TEXT NOT NULL DEFAULT '',
    file_size BIGINT NOT NULL DEFAULT 0,
    remote_url TEXT NOT NULL DEFAULT '',
    preview_remote_url TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    blurhash TEXT NOT NULL DEFAULT '',
    meta TEXT NOT NULL DEFAULT '{}',
    position BIGINT NOT NULL DEFAULT 0,
    cached_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX media_attachments_status_id ON media_attachments (status_id, position);
--bun:split
CREATE INDEX media_attachments_account_id ON media_attachments (account_id, id);
--bun:split

CREATE TABLE favourites (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX favourites_account_status ON favourites (account_id, status_id);
--bun:split
CREATE INDEX favourites_status_id ON favourites (status_id, id);
--bun:split
CREATE INDEX favourites_uri ON favourites (uri);
--bun:split

CREATE TABLE bookmarks (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX bookmarks_account_status ON bookmarks (account_id, status_id);
--bun:split

CREATE TABLE pins (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX pins_account_status ON pins (account_id, status_id);
--bun:split

-- Muted conversations: no notifications from the thread.
CREATE TABLE thread_mutes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL,
    PRIMARY KEY (account_id, thread_id)
);
--bun:split

CREATE TABLE polls (
    id {{.PK}},
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    options TEXT NOT NULL DEFAULT '[]',
    multiple BOOLEAN NOT NULL DEFAULT FALSE,
    hide_totals BOOLEAN NOT NULL DEFAULT FALSE,
    votes_count BIGINT NOT NULL DEFAULT 0,
    voters_count BIGINT NOT NULL DEFAULT 0,
    expires_at {{.Timestamp}},
    closed_notified BOOLEAN NOT NULL DEFAULT FALSE,
    last_fetched_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX polls_status_id ON polls (status_id);
--bun:split
CREATE INDEX polls_expiry ON polls (expires_at) WHERE closed_notified = FALSE;
--bun:split
CREATE TABLE poll_votes (
    id {{.PK}},
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice BIGINT NOT NULL,
    uri TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX poll_votes_unique ON poll_votes (poll_id, account_id, choice);
