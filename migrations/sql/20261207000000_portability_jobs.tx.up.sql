-- Imports and archives a user asked for on the settings pages, run in the
-- background by whichever process claims them (claimed_until is a lease:
-- a job whose process died is taken up again, and imports and archives
-- are safe to run twice). input is the uploaded CSV; result the summary
-- (JSON: done, failed rows with reasons) or the error; file_key the
-- finished archive in the media store.
CREATE TABLE portability_jobs (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'queued',
    input {{.Blob}},
    total INTEGER NOT NULL DEFAULT 0,
    progress INTEGER NOT NULL DEFAULT 0,
    result TEXT NOT NULL DEFAULT '',
    file_key TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_until {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX portability_jobs_account ON portability_jobs (account_id, id);
--bun:split
CREATE INDEX portability_jobs_state ON portability_jobs (state, id);
