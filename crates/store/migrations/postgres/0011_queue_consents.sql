-- The call queue works the debtor, not the account, and callbacks the debtor asked for
-- are their consent (docs: ARCHITECTURE.md, "where each rule lives").
--
-- Consent given directly by the consumer (12 CFR 1006.6(b)(1), 1006.14(b)(3)): at
-- `given_at_us` the debtor asked to be contacted with `action` at an instant in
-- [`from_us`, `to_us`), recorded by `user_id` (a callback the debtor requested). It is
-- the debtor's, whichever of their accounts it was recorded on.
CREATE TABLE consents (
    id BIGINT PRIMARY KEY,
    debtor_id BIGINT NOT NULL REFERENCES debtors (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    callback_id BIGINT REFERENCES callbacks (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    given_at_us BIGINT NOT NULL,
    from_us BIGINT NOT NULL,
    to_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX consents_debtor ON consents (debtor_id, to_us);
CREATE INDEX consents_window ON consents (to_us);
-- 1: the debtor asked for this callback (a consent was recorded with it).
ALTER TABLE callbacks ADD COLUMN requested_by_debtor BIGINT NOT NULL DEFAULT 0;
-- 1: a call placed inside the window of a consent the debtor gave (not a counted call).
ALTER TABLE contact_attempts ADD COLUMN under_consent BIGINT NOT NULL DEFAULT 0;
-- "Next account" locks the debtor: all their accounts at once, one agent at a time (a
-- conditional upsert, atomic on both engines, like `account_locks`).
CREATE TABLE debtor_locks (
    debtor_id BIGINT PRIMARY KEY REFERENCES debtors (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    locked_at_us BIGINT NOT NULL,
    locked_until_us BIGINT NOT NULL
);
CREATE INDEX debtor_locks_user ON debtor_locks (user_id);
