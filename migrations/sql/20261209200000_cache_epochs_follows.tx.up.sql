-- The read caches watch follows too: the count of follow requests that
-- verify_credentials reports is cached (db/invalidation.go).
ALTER TABLE cache_epochs ADD COLUMN follows BIGINT NOT NULL DEFAULT 0;
