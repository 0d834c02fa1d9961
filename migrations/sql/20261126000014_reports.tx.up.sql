-- Moderation reports: made by a local user (POST /api/v1/reports) or by a
-- remote actor (an incoming Flag), about one account and some of its
-- statuses; seen and resolved by admins and moderators. status_ids and
-- rule_ids are JSON arrays of ids (the statuses may be deleted later: the
-- report keeps what was reported). uri is the Flag's id: the one received,
-- or the one sent when the report was forwarded.
CREATE TABLE reports (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids TEXT NOT NULL DEFAULT '[]',
    rule_ids TEXT,
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other',
    forwarded BOOLEAN NOT NULL DEFAULT FALSE,
    uri TEXT NOT NULL DEFAULT '',
    action_taken_at {{.Timestamp}},
    action_taken_by_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX reports_target_account ON reports (target_account_id);
--bun:split
CREATE INDEX reports_account ON reports (account_id);
--bun:split
CREATE INDEX reports_open ON reports (action_taken_at, id);
