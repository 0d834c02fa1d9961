-- How often each table the read caches watch was written, by any process:
-- on SQLite, another process (kontor admin while the server runs) cannot
-- send a notification, so writers count here and readers compare
-- (db/invalidation_sqlite.go). PostgreSQL uses NOTIFY instead; the row is
-- there but unused.
CREATE TABLE cache_epochs (
    id INTEGER PRIMARY KEY,
    accounts BIGINT NOT NULL DEFAULT 0,
    users BIGINT NOT NULL DEFAULT 0,
    tokens BIGINT NOT NULL DEFAULT 0,
    apps BIGINT NOT NULL DEFAULT 0,
    statuses BIGINT NOT NULL DEFAULT 0,
    instances BIGINT NOT NULL DEFAULT 0
);
--bun:split
INSERT INTO cache_epochs (id) VALUES (1);
