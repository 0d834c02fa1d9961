-- Kinds of notice email a user turned off (space-separated kind names, see
-- package mail: draft_waiting, draft_decided, report, signup).
ALTER TABLE users ADD COLUMN email_off TEXT NOT NULL DEFAULT '';
