-- Local activities (stable, dereferenceable ids) and the durable queues in and out.
CREATE TABLE activities (
    id {{.PK}},
    uri TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    object_uri TEXT NOT NULL DEFAULT '',
    status_id BIGINT,
    body {{.Blob}} NOT NULL,
    public BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX activities_uri ON activities (uri);
--bun:split
CREATE INDEX activities_status_id ON activities (status_id);
--bun:split

-- One row per (activity, inbox). claimed_until is a lease: a worker that dies
-- lets its rows come due again, so a kill -9 loses nothing.
CREATE TABLE deliveries (
    id {{.PK}},
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at {{.Timestamp}} NOT NULL,
    claimed_until {{.Timestamp}},
    last_error TEXT NOT NULL DEFAULT '',
    forwarded_body {{.Blob}},
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX deliveries_due ON deliveries (next_attempt_at);
--bun:split
CREATE INDEX deliveries_host ON deliveries (host);
--bun:split
CREATE UNIQUE INDEX deliveries_activity_inbox ON deliveries (activity_id, inbox);
--bun:split

-- Where each activity was delivered, for analytics (per host counts).
CREATE TABLE delivery_stats (
    activity_id BIGINT NOT NULL,
    host TEXT NOT NULL,
    delivered BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    updated_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (activity_id, host)
);
--bun:split

-- Verified, not yet applied incoming activities. A row is written before the
-- inbox answers 202 and deleted once applied.
CREATE TABLE inbox_items (
    id {{.PK}},
    activity_uri TEXT NOT NULL DEFAULT '',
    signer TEXT NOT NULL DEFAULT '',
    recipient_id BIGINT,
    body {{.Blob}} NOT NULL,
    headers TEXT NOT NULL DEFAULT '',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at {{.Timestamp}} NOT NULL,
    claimed_until {{.Timestamp}},
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX inbox_items_due ON inbox_items (next_attempt_at);
--bun:split

-- Activity ids already applied, so a redelivery is applied once.
CREATE TABLE seen_activities (
    uri TEXT PRIMARY KEY,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX seen_activities_created_at ON seen_activities (created_at);
