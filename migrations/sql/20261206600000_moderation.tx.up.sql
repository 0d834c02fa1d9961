-- Moderation (issue 14). silenced_at: a limited account, whose posts only
-- its followers (and those it mentions) see; sensitized_at: its media is
-- always shown as sensitive. sign_up_ip: where a local user signed up from
-- (the admin API's ip filter and IP blocks).
ALTER TABLE accounts ADD COLUMN silenced_at {{.Timestamp}};
--bun:split
ALTER TABLE accounts ADD COLUMN sensitized_at {{.Timestamp}};
--bun:split
ALTER TABLE users ADD COLUMN sign_up_ip TEXT NOT NULL DEFAULT '';
--bun:split
-- The audit log: every admin action, who did it (NULL: the command line),
-- on what, when and why.
CREATE TABLE admin_actions (
    id {{.PK}},
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT NOT NULL DEFAULT 0,
    target_label TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX admin_actions_target ON admin_actions (target_type, target_id);
