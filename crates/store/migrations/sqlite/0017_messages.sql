-- Messages (store::messages): the outbox every email and text goes through, the
-- consumer's opt-outs by medium, the E-SIGN consents recorded on email addresses, and the
-- inbound replies worked as queries.
--
-- An outbox row is written with the contact attempt (the timeline) and the compliance
-- decision that allowed it, in one transaction; its idempotency key names the message
-- (the email's Message-ID is derived from it), so a second queueing of the same message
-- adds nothing. The deliverer claims due rows with a lease (`lease_until_us`): a row
-- whose lease expired is claimed again. `attempts` is the claim's fencing token.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    account_id BIGINT REFERENCES accounts (id),
    attempt_id BIGINT REFERENCES contact_attempts (id) DEFERRABLE INITIALLY DEFERRED,
    channel TEXT NOT NULL,
    template TEXT NOT NULL,
    language TEXT NOT NULL,
    purpose TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    headers TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at_us BIGINT NOT NULL,
    lease_until_us BIGINT,
    last_error TEXT,
    created_at_us BIGINT NOT NULL,
    sent_at_us BIGINT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at_us);
CREATE INDEX outbox_account ON outbox (account_id);

-- A consumer's opt-out of a medium (email, sms), through one of their points.
CREATE TABLE opt_outs (
    id INTEGER PRIMARY KEY,
    debtor_id BIGINT NOT NULL REFERENCES debtors (id),
    channel TEXT NOT NULL,
    contact_point TEXT NOT NULL,
    at_us BIGINT NOT NULL,
    source TEXT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (debtor_id, channel, contact_point)
);

-- The consumer's E-SIGN consent to receive required notices at an email address.
CREATE TABLE esign_consents (
    id INTEGER PRIMARY KEY,
    debtor_id BIGINT NOT NULL REFERENCES debtors (id),
    address TEXT NOT NULL,
    given_at_us BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (debtor_id, address)
);

-- Inbound replies (texts that are not keywords, emails) as queries to answer by a due
-- instant; an unmatched one has no account. `source_key` names the inbound message, so
-- receiving it again adds nothing.
CREATE TABLE queries (
    id INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL UNIQUE,
    account_id BIGINT REFERENCES accounts (id),
    channel TEXT NOT NULL,
    from_value TEXT NOT NULL,
    to_value TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at_us BIGINT NOT NULL,
    due_at_us BIGINT NOT NULL,
    state TEXT NOT NULL,
    answered_at_us BIGINT,
    answered_by BIGINT REFERENCES users (id),
    answer_note TEXT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX queries_state ON queries (state, due_at_us);
CREATE INDEX queries_account ON queries (account_id);
