-- The home feed: for each local account, the statuses of its home timeline,
-- written when a status is stored (db/home_feed.go) so that a page is read
-- from ~40 rows of this table instead of a backwards scan of statuses. It is
-- an index, not the truth: HomeTimeline still applies the home rule,
-- visibility and mutes to its rows.
CREATE TABLE home_feed (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, status_id)
){{if .SQLite}} WITHOUT ROWID{{end}};
--bun:split
-- Deleting a status removes its rows (the foreign key's cascade needs it).
CREATE INDEX home_feed_status_id ON home_feed (status_id);
--bun:split
-- A feed holds every status of its account's home timeline with an id at or
-- above the floor (no row: 0, all of them). Backfills that stop after a
-- bounded number of statuses and the trim to the newest rows raise it; below
-- it HomeTimeline scans statuses as before.
CREATE TABLE home_feed_floors (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    floor_id BIGINT NOT NULL
);
--bun:split
-- Following an account backfills the replies to it by accounts one already
-- follows (the reply rule now lets them through).
CREATE INDEX statuses_in_reply_to_account_id ON statuses (in_reply_to_account_id, id DESC) WHERE in_reply_to_account_id IS NOT NULL;
--bun:split

-- Backfill for the local accounts that exist, from three sources: their own
-- statuses, those of each account they follow (accepted) and those of each
-- hashtag they follow, at most the newest 400 of each source. The floor is
-- the oldest status a full source reached, so the feed is complete above it
-- (the same bounds as the backfill of a new follow, db/home_feed.go).
INSERT INTO home_feed_floors (account_id, floor_id)
SELECT a.id, {{if .Postgres}}GREATEST{{else}}max{{end}}(
    COALESCE((SELECT o.id FROM statuses o WHERE o.account_id = a.id ORDER BY o.id DESC LIMIT 1 OFFSET 399), 0),
    COALESCE((SELECT max((SELECT t.id FROM statuses t WHERE t.account_id = f.target_account_id ORDER BY t.id DESC LIMIT 1 OFFSET 399))
        FROM follows f WHERE f.account_id = a.id AND f.accepted = TRUE), 0),
    COALESCE((SELECT max((SELECT st.status_id FROM status_tags st WHERE st.tag_id = ft.tag_id ORDER BY st.status_id DESC LIMIT 1 OFFSET 399))
        FROM followed_tags ft WHERE ft.account_id = a.id), 0))
FROM accounts a WHERE a.domain = '';
--bun:split
-- The rows: each source's statuses at or above the floor that pass the home
-- rule, written out here as db/visibility.go's onHomeOf states it (the
-- viewer's own statuses; those of accounts it follows, their boosts unless
-- turned off, their replies only to itself, to themselves or to accounts it
-- follows; public originals with hashtags it follows; never boosts of its
-- own statuses).
INSERT INTO home_feed (account_id, status_id)
SELECT c.account_id, c.status_id FROM (
    SELECT fl.account_id, o.id AS status_id FROM home_feed_floors fl
        JOIN statuses o ON o.account_id = fl.account_id AND o.id >= fl.floor_id
    UNION
    SELECT fl.account_id, t.id FROM home_feed_floors fl
        JOIN follows f ON f.account_id = fl.account_id AND f.accepted = TRUE
        JOIN statuses t ON t.account_id = f.target_account_id AND t.id >= fl.floor_id
    UNION
    SELECT fl.account_id, st.status_id FROM home_feed_floors fl
        JOIN followed_tags ft ON ft.account_id = fl.account_id
        JOIN status_tags st ON st.tag_id = ft.tag_id AND st.status_id >= fl.floor_id
) c JOIN statuses s ON s.id = c.status_id
WHERE (s.account_id = c.account_id
        OR (EXISTS (SELECT 1 FROM follows hf WHERE hf.account_id = c.account_id AND hf.target_account_id = s.account_id AND hf.accepted = TRUE
                AND (s.reblog_of_id IS NULL OR hf.show_reblogs = TRUE))
            AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = c.account_id
                OR EXISTS (SELECT 1 FROM follows hr WHERE hr.account_id = c.account_id AND hr.target_account_id = s.in_reply_to_account_id AND hr.accepted = TRUE)))
        OR (s.reblog_of_id IS NULL AND s.visibility = 0 AND EXISTS (SELECT 1 FROM status_tags hst JOIN followed_tags hft ON hft.tag_id = hst.tag_id
            WHERE hst.status_id = s.id AND hft.account_id = c.account_id)))
    AND (s.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses ho WHERE ho.id = s.reblog_of_id AND ho.account_id = c.account_id))
ON CONFLICT DO NOTHING;
--bun:split
-- Keep the newest 800 rows of each feed (as the periodic trim does): the
-- floor rises to the oldest one kept.
UPDATE home_feed_floors SET floor_id = (SELECT h.status_id FROM home_feed h WHERE h.account_id = home_feed_floors.account_id
    ORDER BY h.status_id DESC LIMIT 1 OFFSET 799)
WHERE EXISTS (SELECT 1 FROM home_feed h WHERE h.account_id = home_feed_floors.account_id ORDER BY h.status_id DESC LIMIT 1 OFFSET 799);
--bun:split
DELETE FROM home_feed WHERE status_id < (SELECT fl.floor_id FROM home_feed_floors fl WHERE fl.account_id = home_feed.account_id);
--bun:split
DELETE FROM home_feed_floors WHERE floor_id = 0;
