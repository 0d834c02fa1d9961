-- Domain blocks as Mastodon's admin API has them (issue 14): an id, the
-- severity (suspend, silence, noop), what else is refused and the texts
-- (reason is the private comment). Existing rows get ids 1..n.
ALTER TABLE domain_blocks ADD COLUMN id BIGINT NOT NULL DEFAULT 0;
--bun:split
UPDATE domain_blocks SET id = (SELECT count(*) FROM domain_blocks d2 WHERE d2.domain <= domain_blocks.domain);
--bun:split
CREATE UNIQUE INDEX domain_blocks_id ON domain_blocks (id);
--bun:split
ALTER TABLE domain_blocks ADD COLUMN reject_media BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
ALTER TABLE domain_blocks ADD COLUMN reject_reports BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
ALTER TABLE domain_blocks ADD COLUMN public_comment TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE domain_blocks ADD COLUMN obfuscate BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
-- Domains allowed to federate when federation_mode = "allowlist".
CREATE TABLE domain_allows (
    id {{.PK}},
    domain TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX domain_allows_domain ON domain_allows (domain);
--bun:split
-- Sign-ups refused by the domain of their email address.
CREATE TABLE email_domain_blocks (
    id {{.PK}},
    domain TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX email_domain_blocks_domain ON email_domain_blocks (domain);
--bun:split
-- Sign-ups refused by their canonical email address (SHA-256, hex).
CREATE TABLE canonical_email_blocks (
    id {{.PK}},
    canonical_email_hash TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX canonical_email_blocks_hash ON canonical_email_blocks (canonical_email_hash);
--bun:split
-- Addresses (CIDR) whose sign-ups need approval or are refused, or that
-- may not use the server at all.
CREATE TABLE ip_blocks (
    id {{.PK}},
    ip TEXT NOT NULL,
    severity TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    expires_at {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
