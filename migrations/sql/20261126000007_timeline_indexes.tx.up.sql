-- Every status read checks that the author is not suspended (db/visibility.go).
-- Without this index PostgreSQL answers that check for a timeline page by
-- scanning the whole accounts table (seen on the home timeline benchmark,
-- bench/hometimeline); with it, by reading an index of the few suspended ones.
CREATE INDEX accounts_suspended ON accounts (id) WHERE suspended_at IS NOT NULL;
