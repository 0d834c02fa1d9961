-- The instance's texts and sign-up mode, edited on /admin/settings (issue
-- 14). The configuration gives the first values: a start seeds the row
-- while edited_at is NULL; once an admin edits it, the database wins.
-- Policies are Markdown; their HTML is rendered once, when saved.
CREATE TABLE site_texts (
    id INTEGER PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    contact_username TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    privacy_policy TEXT NOT NULL DEFAULT '',
    privacy_policy_html TEXT NOT NULL DEFAULT '',
    terms_of_service TEXT NOT NULL DEFAULT '',
    terms_of_service_html TEXT NOT NULL DEFAULT '',
    registrations TEXT NOT NULL DEFAULT 'closed',
    updated_at {{.Timestamp}} NOT NULL,
    edited_at {{.Timestamp}}
);
--bun:split
-- The rules, in position order. An id never changes nor is reused while
-- its rule lives (reports name rules by id).
CREATE TABLE site_rules (
    id BIGINT PRIMARY KEY,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    hint TEXT NOT NULL DEFAULT ''
);
--bun:split
-- The read caches watch both tables as one (db/invalidation.go).
ALTER TABLE cache_epochs ADD COLUMN site BIGINT NOT NULL DEFAULT 0;
