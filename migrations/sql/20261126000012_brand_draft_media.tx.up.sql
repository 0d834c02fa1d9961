-- Attachments of brand drafts waiting for approval: the orphan sweep keeps
-- them until the draft is decided (approval can take longer than a day).
CREATE TABLE brand_draft_media (
    draft_id BIGINT NOT NULL REFERENCES brand_drafts (id) ON DELETE CASCADE,
    media_id BIGINT NOT NULL,
    PRIMARY KEY (draft_id, media_id)
);
--bun:split
CREATE INDEX brand_draft_media_media ON brand_draft_media (media_id);
