-- Writes of domain_blocks are counted: the list every enqueued delivery
-- is checked against is kept in memory until one (db/deliveries.go).
ALTER TABLE cache_epochs ADD COLUMN domain_blocks BIGINT NOT NULL DEFAULT 0;
