-- The collector's desk. Agents are named to debtors by their display name (the call
-- script), never their login name: it starts as the user name. Right-party checks: who
-- checked which account when, and per field whether what the caller said matched what
-- is on file (match, no_match, not_asked, not_on_file) — never the values typed.
ALTER TABLE users ADD COLUMN display_name TEXT;
UPDATE users SET display_name = username;
CREATE TABLE verifications (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    at_us BIGINT NOT NULL,
    date_of_birth TEXT NOT NULL,
    ssn_last4 TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    verified BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX verifications_account ON verifications (account_id, at_us);
