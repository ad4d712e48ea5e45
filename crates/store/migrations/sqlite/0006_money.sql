-- Money in (issue 6): payments and their returns, the exceptions list of bank-file
-- items nobody could match, plans and settlements, and the approvals queue.
-- Keep in step with the other engine's 0006_money.sql.

-- Bank files name accounts by reference alone (no creditor).
CREATE INDEX accounts_ref ON accounts (account_ref);

-- A payment received for an account (by an agent, the API or a file). What it did to
-- the ledger is in payment_entries; a return (NSF, chargeback) fills returned_* and
-- adds reversal entries, so the row itself only ever changes once.
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    creditor_id BIGINT NOT NULL REFERENCES creditors (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    payment_ref TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    method TEXT NOT NULL,
    paid_on TEXT NOT NULL,
    source TEXT NOT NULL,
    trace TEXT,
    import_id BIGINT REFERENCES imports (id) DEFERRABLE INITIALLY DEFERRED,
    user_id BIGINT REFERENCES users (id),
    recorded_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    returned_on TEXT,
    return_code TEXT,
    return_ref TEXT,
    returned_audit_seq BIGINT REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    -- payment_ref first: bank files look payments up by reference alone.
    UNIQUE (payment_ref, creditor_id)
);
CREATE INDEX payments_account ON payments (account_id);
CREATE INDEX payments_creditor_paid_on ON payments (creditor_id, paid_on);
-- Only bank payments carry a trace; the rest stay out of the index.
CREATE INDEX payments_trace ON payments (trace) WHERE trace IS NOT NULL;

-- The ledger entries a payment made, one per account it paid (a debtor's payment can
-- spill over to their other accounts); a return reverses exactly these.
CREATE TABLE payment_entries (
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    entry_id BIGINT NOT NULL REFERENCES ledger_entries (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (payment_id, entry_id)
);
CREATE INDEX payment_entries_account ON payment_entries (account_id);

-- Bank-file items that matched no account or payment, for a person to match.
-- fingerprint identifies the item across re-imports of the same file.
CREATE TABLE payment_exceptions (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    line BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    reference TEXT NOT NULL,
    trace TEXT,
    return_code TEXT,
    detail TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_id BIGINT REFERENCES payments (id),
    resolved_by TEXT,
    resolved_at_us BIGINT,
    created_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX payment_exceptions_status ON payment_exceptions (status, id);

-- Payment plans and settlements. An amended plan is a new row that supersedes the old
-- one (the old keeps its schedule and gets status 'superseded').
CREATE TABLE arrangements (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    balance_minor BIGINT NOT NULL,
    frequency TEXT,
    apr_bps BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    supersedes_id BIGINT REFERENCES arrangements (id),
    created_by BIGINT REFERENCES users (id),
    created_at_us BIGINT NOT NULL,
    ended_at_us BIGINT,
    misses BIGINT NOT NULL,
    discount_entry_id BIGINT REFERENCES ledger_entries (id),
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX arrangements_account ON arrangements (account_id);
CREATE INDEX arrangements_status ON arrangements (status);

CREATE TABLE arrangement_dues (
    arrangement_id BIGINT NOT NULL REFERENCES arrangements (id),
    seq BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    principal_minor BIGINT NOT NULL,
    interest_minor BIGINT NOT NULL,
    PRIMARY KEY (arrangement_id, seq)
);

-- What waits for a supervisor: plans outside policy, settlements beyond an agent's
-- authority, refunds, and adjustments and write-offs above the creditor's threshold.
CREATE TABLE approvals (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    arrangement_id BIGINT REFERENCES arrangements (id),
    amount_minor BIGINT NOT NULL,
    reason_code TEXT NOT NULL,
    detail TEXT NOT NULL,
    required_role TEXT NOT NULL,
    requested_by BIGINT REFERENCES users (id),
    requested_at_us BIGINT NOT NULL,
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at_us BIGINT,
    decision_note TEXT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX approvals_status ON approvals (status, id);
