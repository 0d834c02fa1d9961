-- Account security (issue 11 section 5): what a person sees of their
-- sign-ins (device and address of each session), TOTP second factor with
-- single-use recovery codes (only their SHA-256 stored), the pending
-- second step of a sign-in, and mailed password-reset links (hashed,
-- single-use, short-lived).
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
--bun:split
-- otp_secret is the confirmed TOTP secret (base32, '' = no 2FA);
-- otp_pending_secret the one shown during enrolment until a code confirms
-- it; otp_last_step the last accepted time step, so a code is used once.
ALTER TABLE users ADD COLUMN otp_secret TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE users ADD COLUMN otp_pending_secret TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE users ADD COLUMN otp_last_step BIGINT NOT NULL DEFAULT 0;
--bun:split
CREATE TABLE recovery_codes (
    code_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
--bun:split
-- A sign-in whose password was right and whose second factor is awaited.
CREATE TABLE sign_in_challenges (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    return_to TEXT NOT NULL DEFAULT '',
    failures BIGINT NOT NULL DEFAULT 0,
    expires_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX sign_in_challenges_expires_at ON sign_in_challenges (expires_at);
--bun:split
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at {{.Timestamp}} NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX password_resets_user ON password_resets (user_id);
--bun:split
CREATE INDEX password_resets_expires_at ON password_resets (expires_at);
