-- A brand draft holds any change an editor makes as the brand (a post, an
-- edit, a delete, a boost), with its target status, and the time of a
-- scheduled post. People name drafts by a short number per brand (#12),
-- counted by brands.draft_seq.
ALTER TABLE brand_drafts ADD COLUMN verb TEXT NOT NULL DEFAULT 'post';
--bun:split
ALTER TABLE brand_drafts ADD COLUMN target_status_id BIGINT;
--bun:split
ALTER TABLE brand_drafts ADD COLUMN scheduled_at {{.Timestamp}};
--bun:split
ALTER TABLE brand_drafts ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE brands ADD COLUMN draft_seq BIGINT NOT NULL DEFAULT 0;
--bun:split
UPDATE brand_drafts SET number = (SELECT COUNT(*) FROM brand_drafts d2
    WHERE d2.brand_account_id = brand_drafts.brand_account_id AND d2.id <= brand_drafts.id);
--bun:split
UPDATE brands SET draft_seq = (SELECT COUNT(*) FROM brand_drafts WHERE brand_drafts.brand_account_id = brands.account_id);
--bun:split
CREATE UNIQUE INDEX brand_drafts_number ON brand_drafts (brand_account_id, number);
