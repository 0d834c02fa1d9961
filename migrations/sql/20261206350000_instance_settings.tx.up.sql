-- Settings of the instance that live with its data rather than in the
-- configuration. host and account_domain are recorded on first start:
-- every local actor ID and handle carries them, so a later start (or admin
-- command) configured with other values is refused instead of creating
-- accounts under the wrong names.
CREATE TABLE instance_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
