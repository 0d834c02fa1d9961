-- Statuses to publish later (POST /api/v1/statuses with scheduled_at).
-- params is the JSON of what the client sent (db.ScheduledParams); the
-- attachments point back through media_attachments.scheduled_status_id.
-- claimed_until is the lease of the process publishing the row: the row is
-- deleted in the transaction that stores the status, fenced by that lease,
-- so several processes on one database publish each row once.
CREATE TABLE scheduled_statuses (
    id {{.PK}},
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at {{.Timestamp}} NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    idempotency TEXT NOT NULL DEFAULT '',
    claimed_until {{.Timestamp}},
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
--bun:split
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at);
--bun:split
CREATE UNIQUE INDEX scheduled_statuses_idempotency ON scheduled_statuses (account_id, idempotency) WHERE idempotency <> '';
--bun:split
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id) WHERE scheduled_status_id IS NOT NULL;
--bun:split

-- Polls whose results changed: an Update of the Question is owed to the
-- author's followers and the remote voters once results_due_at has passed
-- (several votes in a row give one Update).
ALTER TABLE polls ADD COLUMN results_due_at {{.Timestamp}};
--bun:split
CREATE INDEX polls_results_due ON polls (results_due_at) WHERE results_due_at IS NOT NULL;
