-- Letters (store::letters): the templates managers edit, every saved version kept
-- (the built-in text, compiled in from crates/app/letters/, is version 0 and is not
-- stored); the documents generated for an account, stored content-addressed (SHA-256)
-- under ARREARS_DOCUMENTS_DIR with their text kept here; the print queue a vendor's
-- batch is exported from (a queued letter is exported once).
CREATE TABLE letter_templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    lang TEXT NOT NULL,
    version BIGINT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (name, lang, version)
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    template TEXT,
    lang TEXT,
    template_version BIGINT,
    content TEXT NOT NULL,
    attempt_id BIGINT REFERENCES contact_attempts (id) DEFERRABLE INITIALLY DEFERRED,
    created_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX documents_account ON documents (account_id, created_at_us);

CREATE TABLE print_queue (
    id INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL UNIQUE REFERENCES documents (id),
    queued_on TEXT NOT NULL,
    recipient TEXT NOT NULL,
    address_lines TEXT NOT NULL,
    exported_at_us BIGINT,
    export_audit_seq BIGINT REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX print_queue_day ON print_queue (queued_on, exported_at_us);

-- Mail the post office returned (arrears letters returns): one row per returned
-- letter, at most one per document, so a return file read twice changes nothing. The
-- instant it was recorded is the engine's undeliverable notice for the account.
CREATE TABLE mail_returns (
    id INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL UNIQUE REFERENCES documents (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    returned_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX mail_returns_account ON mail_returns (account_id, recorded_at_us);
