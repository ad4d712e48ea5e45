-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- same tables, columns and constraints; only the integer key type differs.
-- Ids are assigned by the store under the audit lock, never by the database, so both
-- engines give the same ids for the same history.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    recorded_at_us BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    reason TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- One row: the last link of the audit chain. Every write transaction updates it first,
-- which serialises writers (PostgreSQL row lock; SQLite's single writer).
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    touched_at_us BIGINT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, touched_at_us)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE creditors (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_in_file BIGINT NOT NULL,
    accounts_created BIGINT NOT NULL,
    debtors_created BIGINT NOT NULL,
    entries_created BIGINT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX imports_sha256 ON imports (sha256);

CREATE TABLE debtors (
    id INTEGER PRIMARY KEY,
    creditor_id BIGINT NOT NULL REFERENCES creditors (id),
    debtor_ref TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    language TEXT NOT NULL,
    time_zones TEXT NOT NULL,
    address_line1 TEXT,
    address_line2 TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    country TEXT,
    date_of_birth_enc TEXT,
    ssn_last4_enc TEXT,
    ssn_last4_index TEXT,
    import_id BIGINT REFERENCES imports (id) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (creditor_id, debtor_ref)
);

CREATE TABLE contact_points (
    id INTEGER PRIMARY KEY,
    debtor_id BIGINT NOT NULL REFERENCES debtors (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    consent TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    UNIQUE (debtor_id, kind, value)
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    creditor_id BIGINT NOT NULL REFERENCES creditors (id),
    account_ref TEXT NOT NULL,
    debtor_id BIGINT NOT NULL REFERENCES debtors (id),
    product TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    original_creditor TEXT,
    delinquent_since TEXT NOT NULL,
    placed_on TEXT NOT NULL,
    apr_bps BIGINT NOT NULL,
    charge_off_date TEXT,
    last_payment_date TEXT,
    last_payment_minor BIGINT,
    statute_expires_on TEXT,
    collateral TEXT,
    service_id TEXT,
    itemization_date TEXT,
    itemization_balance_minor BIGINT,
    itemization_interest_minor BIGINT,
    itemization_fees_minor BIGINT,
    itemization_payments_minor BIGINT,
    itemization_credits_minor BIGINT,
    import_id BIGINT REFERENCES imports (id) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (creditor_id, account_ref)
);
CREATE INDEX accounts_debtor ON accounts (debtor_id);

CREATE TABLE account_holds (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    placed_at_us BIGINT NOT NULL,
    released_at_us BIGINT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX account_holds_account ON account_holds (account_id);

-- Append-only. row_hash seals each row's content (see store::audit), so an edit made
-- behind Arrears' back shows up in `arrears audit verify`.
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    seq BIGINT NOT NULL,
    reason TEXT NOT NULL,
    principal_minor BIGINT NOT NULL,
    interest_minor BIGINT NOT NULL,
    fees_minor BIGINT NOT NULL,
    effective_on TEXT NOT NULL,
    recorded_at_us BIGINT NOT NULL,
    corrects_entry_id BIGINT REFERENCES ledger_entries (id),
    memo TEXT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    row_hash TEXT NOT NULL,
    UNIQUE (account_id, seq)
);

CREATE TABLE aging_moves (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    bucket TEXT NOT NULL,
    days_past_due BIGINT NOT NULL,
    moved_on TEXT NOT NULL,
    recorded_at_us BIGINT NOT NULL
);
CREATE INDEX aging_moves_account ON aging_moves (account_id);
