-- Writes of accounts other than their counters are counted apart: the
-- cached instance contact and follow-request counts do not change with the
-- counters every federated post moves (db/invalidation.go).
ALTER TABLE cache_epochs ADD COLUMN account_rows BIGINT NOT NULL DEFAULT 0;
