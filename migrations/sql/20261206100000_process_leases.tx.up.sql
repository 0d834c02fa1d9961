-- Running processes, so that the leases they hold (deliveries.claimed_by)
-- can be told apart: a live process's are left alone however long they
-- run, while a dead one's (killed, crashed) come due at once instead of
-- after their lease. host_key names the pid namespace on this boot
-- (boot id and namespace inode, Linux): a process sharing it checks pid
-- and pid_start (the process's start time) directly; others go by
-- heartbeat_at.
CREATE TABLE processes (
    id {{.PK}},
    hostname TEXT NOT NULL DEFAULT '',
    host_key TEXT NOT NULL DEFAULT '',
    pid BIGINT NOT NULL DEFAULT 0,
    pid_start TEXT NOT NULL DEFAULT '',
    started_at {{.Timestamp}} NOT NULL,
    heartbeat_at {{.Timestamp}} NOT NULL
);
--bun:split
ALTER TABLE deliveries ADD COLUMN claimed_by BIGINT;
--bun:split
CREATE INDEX deliveries_claimed_by ON deliveries (claimed_by);
