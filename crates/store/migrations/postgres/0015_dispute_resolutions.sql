-- How supervisors resolved disputes (store::disputes): one row per dispute hold
-- resolved, with the outcome (verified, corrected, upheld, withdrawn), why, who and
-- when, and the audit event that recorded it. A dispute is open while its hold is in
-- force and has no resolution; an upheld one keeps its hold, resolved.
CREATE TABLE dispute_resolutions (
    id BIGINT PRIMARY KEY,
    hold_id BIGINT NOT NULL UNIQUE REFERENCES account_holds (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    outcome TEXT NOT NULL,
    note TEXT NOT NULL,
    resolved_by BIGINT NOT NULL REFERENCES users (id),
    resolved_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX dispute_resolutions_account ON dispute_resolutions (account_id);
