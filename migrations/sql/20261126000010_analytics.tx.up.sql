-- Analytics of local accounts (package analytics; queries in db/analytics.go).
-- Nothing here tracks readers: every number comes from rows federation
-- already writes (follows, favourites, statuses, activities, delivery_stats).

-- One row per local account per UTC day: its counters as of the last
-- snapshot that day (the analytics job runs every few minutes and only
-- rewrites a row whose numbers changed; viewing analytics refreshes today's).
-- day is 'YYYY-MM-DD', the same text on both dialects, so it sorts and
-- compares without date functions.
CREATE TABLE account_stats_daily (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    statuses_count BIGINT NOT NULL DEFAULT 0,
    updated_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (account_id, day)
);
--bun:split

-- The engagement of a local post over time: cumulative counts sampled once
-- per hour during its first 48 hours (when almost all of it happens), then
-- once per day until it is 30 days old; after that the live counts are all
-- there is. bucket is the start of the hour or day the sample belongs to,
-- sampled_at when it was taken. local_followers is frozen at the first
-- sample (local accounts that followed the author before the post).
CREATE TABLE status_stats (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    bucket {{.Timestamp}} NOT NULL,
    favourites BIGINT NOT NULL DEFAULT 0,
    boosts BIGINT NOT NULL DEFAULT 0,
    replies BIGINT NOT NULL DEFAULT 0,
    delivered BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    local_followers BIGINT NOT NULL DEFAULT 0,
    sampled_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (status_id, bucket)
);
--bun:split

-- Reach by instance: an account's activities in a period, then their
-- delivery_stats rows (primary key prefix activity_id).
CREATE INDEX activities_account_id ON activities (account_id, id);
--bun:split

-- The sampling job: local original posts by id (time-ordered), without
-- walking the remote statuses of the same period. "local" leads so that
-- SQLite, without statistics, sees an equality and a range here and
-- prefers it to statuses_reblog_of_id (where "reblog_of_id IS NULL" is an
-- equality matching every original status of the instance).
CREATE INDEX statuses_local_originals ON statuses (local, id) WHERE local = TRUE AND reblog_of_id IS NULL;
