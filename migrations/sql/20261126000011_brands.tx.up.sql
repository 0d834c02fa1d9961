-- Brand (organization) accounts run by a team of local users.
CREATE TABLE brands (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    require_approval BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE TABLE brand_members (
    brand_account_id BIGINT NOT NULL REFERENCES brands (account_id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (brand_account_id, user_id)
);
--bun:split
CREATE INDEX brand_members_user ON brand_members (user_id);
--bun:split

-- Who did what as a brand. Internal: never federated, never shown to outsiders.
CREATE TABLE brand_audit (
    id {{.PK}},
    brand_account_id BIGINT NOT NULL REFERENCES brands (account_id) ON DELETE CASCADE,
    user_id BIGINT,
    action TEXT NOT NULL,
    status_id BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX brand_audit_brand ON brand_audit (brand_account_id, id DESC);
--bun:split

-- Posts by editors of a brand that requires approval wait here.
CREATE TABLE brand_drafts (
    id {{.PK}},
    brand_account_id BIGINT NOT NULL REFERENCES brands (account_id) ON DELETE CASCADE,
    author_user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    params TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    note TEXT NOT NULL DEFAULT '',
    decided_by_user_id BIGINT,
    decided_at {{.Timestamp}},
    status_id BIGINT,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX brand_drafts_brand ON brand_drafts (brand_account_id, state, id DESC);
--bun:split
CREATE INDEX brand_drafts_author ON brand_drafts (author_user_id, id DESC);
