-- Web Push (Mastodon's /api/v1/push/subscription): one subscription per
-- access token, gone with the token. access_token is the token itself,
-- kept because Mastodon's payload carries it (clients match a message to
-- their account by it) while oauth_tokens holds only hashes. alerts is the
-- space-separated list of enabled notification types.
CREATE TABLE push_subscriptions (
    id {{.PK}},
    token_id BIGINT NOT NULL REFERENCES oauth_tokens (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    key_p256dh TEXT NOT NULL,
    key_auth TEXT NOT NULL,
    access_token TEXT NOT NULL,
    alerts TEXT NOT NULL DEFAULT '',
    policy TEXT NOT NULL DEFAULT 'all',
    standard BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX push_subscriptions_token ON push_subscriptions (token_id);
--bun:split
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
--bun:split

-- One push of one notification to one subscription, queued in the
-- transaction that stores the notification and claimed by a worker with a
-- lease (claimed_until), so a killed process's pushes are sent by the next.
CREATE TABLE push_deliveries (
    id {{.PK}},
    subscription_id BIGINT NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.Timestamp}} NOT NULL,
    claimed_until {{.Timestamp}},
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
--bun:split
CREATE INDEX push_deliveries_due ON push_deliveries (next_attempt_at);
--bun:split
CREATE INDEX push_deliveries_subscription ON push_deliveries (subscription_id);
--bun:split
CREATE INDEX push_deliveries_notification ON push_deliveries (notification_id);
