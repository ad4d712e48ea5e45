-- The compliance decision log: every decision the application asked for (dialer lists,
-- agents' contact attempts, the CLI's account checks), with the request as the engine
-- saw it, the answer and the rule packs in force. Append-only; each row's hash seals
-- its content and links to the previous row's (prev_hash), and every batch is an audit
-- event naming its last hash, so removing or editing a decision shows in audit verify.
CREATE TABLE compliance_decisions (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    decided_at_us BIGINT NOT NULL,
    recorded_at_us BIGINT NOT NULL,
    actor TEXT NOT NULL,
    asked_by TEXT NOT NULL,
    action TEXT NOT NULL,
    contact_point TEXT,
    decision TEXT NOT NULL,
    rules TEXT NOT NULL,
    next_allowed_at_us BIGINT,
    packs TEXT NOT NULL,
    request_json TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX compliance_decisions_account ON compliance_decisions (account_id, decided_at_us);
