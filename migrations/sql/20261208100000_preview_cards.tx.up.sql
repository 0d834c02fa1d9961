-- Link preview cards (Mastodon's PreviewCard): one row per URL, fetched
-- again when a new post links it after a day. image_url is the page's
-- image; image_key its copy in the media store (empty when not copied).
CREATE TABLE preview_cards (
    id {{.PK}},
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'link',
    author_name TEXT NOT NULL DEFAULT '',
    author_url TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    provider_url TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    image_url TEXT NOT NULL DEFAULT '',
    image_key TEXT NOT NULL DEFAULT '',
    image_description TEXT NOT NULL DEFAULT '',
    embed_url TEXT NOT NULL DEFAULT '',
    blurhash TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    published_at {{.Timestamp}},
    fetched_at {{.Timestamp}} NOT NULL,
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
-- Which link a status shows a card for, and the queue of fetches: a row is
-- queued when the status is stored (in its transaction, so no post is
-- forgotten by a crash) and claimed with a lease by the card worker;
-- done rows point at their card, failed ones show none.
CREATE TABLE status_cards (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    card_id BIGINT REFERENCES preview_cards (id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.Timestamp}} NOT NULL,
    claimed_until {{.Timestamp}},
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX status_cards_queue ON status_cards (state, next_attempt_at);
--bun:split
CREATE INDEX status_cards_card ON status_cards (card_id, status_id);
