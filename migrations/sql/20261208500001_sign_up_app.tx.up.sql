-- The OAuth app a person signed up through (POST /api/v1/accounts with the
-- app's token); NULL for the web form, single sign-on and admins. The
-- "sources" dimension of the admin API groups sign-ups by it. No foreign
-- key: a deleted app leaves the count of sign-ups it brought.
ALTER TABLE users ADD COLUMN created_by_app_id BIGINT;
