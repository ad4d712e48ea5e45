-- Sign-in throttling (docs/workspace.md, "Signing in"): failed sign-ins counted per user
-- name from one client, per client (whatever the name) and per user name (from any
-- client), each counter with its lock. A user name is kept as the SHA-256 of its lower
-- case, whether or not such a user exists (what was typed may be a password typed in
-- the wrong field); a client as its address (an IPv6 client by its /64 prefix). Rows
-- whose window and lock are over are deleted as failures are recorded.
CREATE TABLE sign_in_throttle (
    scope TEXT NOT NULL,
    user_key TEXT NOT NULL,
    client TEXT NOT NULL,
    window_start_us BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    locked_until_us BIGINT,
    PRIMARY KEY (scope, user_key, client)
);
CREATE INDEX sign_in_throttle_window ON sign_in_throttle (window_start_us);
-- Replaced by the throttle. A user is locked for everyone (`users.locked_until_us`,
-- which also suspends their sessions and API tokens) when their name's counter locks.
ALTER TABLE users DROP COLUMN failed_logins;
