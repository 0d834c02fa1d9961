-- Custom emoji: local ones (domain '') added by admins, remote ones from
-- the Emoji tags of posts and actors, one per shortcode and domain. A
-- remote emoji's image is copied into the media store (file_key) from
-- image_remote_url; copied_from is the URL that copy was made of, so a
-- newer image (another URL, or a newer `updated`) is copied again.
CREATE TABLE custom_emojis (
    id {{.PK}},
    shortcode TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL DEFAULT '',
    image_remote_url TEXT NOT NULL DEFAULT '',
    file_key TEXT NOT NULL DEFAULT '',
    static_key TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    copied_from TEXT NOT NULL DEFAULT '',
    copy_claimed_at {{.Timestamp}},
    category TEXT NOT NULL DEFAULT '',
    visible_in_picker BOOLEAN NOT NULL DEFAULT TRUE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at {{.Timestamp}} NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX custom_emojis_shortcode_domain ON custom_emojis (shortcode, domain);
--bun:split
-- The copier's queue (it looks every second): only images not tried yet.
CREATE INDEX custom_emojis_to_copy ON custom_emojis (id) WHERE copy_claimed_at IS NULL;
--bun:split
-- The emoji a status's text uses (its content, content warning and poll
-- options), read in one query per page of statuses.
CREATE TABLE status_emojis (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    emoji_id BIGINT NOT NULL REFERENCES custom_emojis (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, emoji_id)
);
--bun:split
CREATE INDEX status_emojis_emoji ON status_emojis (emoji_id);
--bun:split
-- The emoji an account's display name, bio and fields use.
CREATE TABLE account_emojis (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    emoji_id BIGINT NOT NULL REFERENCES custom_emojis (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, emoji_id)
);
--bun:split
CREATE INDEX account_emojis_emoji ON account_emojis (emoji_id);
