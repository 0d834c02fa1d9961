-- Suggestions a person dismissed (DELETE /api/v1/suggestions/:id): never
-- suggested again.
CREATE TABLE suggestion_dismissals (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
--bun:split
-- Hashtags an account features on its profile (/api/v1/featured_tags).
CREATE TABLE featured_tags (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX featured_tags_account_tag ON featured_tags (account_id, tag_id);
