-- Writes of accounts' rows that may touch a local account are counted
-- apart: the stores of fetched remote actors, which every new sender
-- causes, leave the cached local accounts (db/invalidation.go).
ALTER TABLE cache_epochs ADD COLUMN local_account_rows BIGINT NOT NULL DEFAULT 0;
