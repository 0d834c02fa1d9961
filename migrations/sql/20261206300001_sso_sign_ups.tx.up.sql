-- A first single sign-on between the identity provider's answer and the
-- person's confirmation of their handle: the verified identity (JSON),
-- found again by the SHA-256 of the id in the browser's cookie.
CREATE TABLE sso_sign_ups (
    id_hash TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    return_to TEXT NOT NULL DEFAULT '',
    expires_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX sso_sign_ups_expires_at ON sso_sign_ups (expires_at);
