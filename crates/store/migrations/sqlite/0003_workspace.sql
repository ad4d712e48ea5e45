-- The agent workspace: sign-in sessions and lockout, API tokens, which creditors each
-- user works, the work queue (priority, assignment, locks, callbacks) and what agents
-- record on accounts (contact attempts, notes, promises to pay).

ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until_us BIGINT;

-- Bumped by every change to the account or what hangs off it, so a form rendered before
-- another user's change is refused instead of overwriting it.
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
-- Higher first in the work queue (set by `arrears batch prioritize`).
ALTER TABLE accounts ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
-- A supervisor's assignment to one agent; NULL: any agent of the creditor.
ALTER TABLE accounts ADD COLUMN assigned_user_id BIGINT REFERENCES users (id);
ALTER TABLE accounts ADD COLUMN validation_notice_sent_at_us BIGINT;
CREATE INDEX accounts_queue ON accounts (creditor_id, status, priority);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    expires_at_us BIGINT NOT NULL,
    ended_at_us BIGINT
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    revoked_at_us BIGINT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE user_creditors (
    user_id BIGINT NOT NULL REFERENCES users (id),
    creditor_id BIGINT NOT NULL REFERENCES creditors (id),
    PRIMARY KEY (user_id, creditor_id)
);

-- Who is working an account now; a lock past locked_until_us is free.
CREATE TABLE account_locks (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    locked_at_us BIGINT NOT NULL,
    locked_until_us BIGINT NOT NULL
);

CREATE TABLE contact_attempts (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT REFERENCES users (id),
    at_us BIGINT NOT NULL,
    action TEXT NOT NULL,
    contact_point TEXT,
    direction TEXT NOT NULL,
    recipient TEXT NOT NULL,
    outcome TEXT NOT NULL,
    disposition TEXT NOT NULL,
    note TEXT,
    decision_id BIGINT REFERENCES compliance_decisions (id) DEFERRABLE INITIALLY DEFERRED,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX contact_attempts_account ON contact_attempts (account_id, at_us);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT REFERENCES users (id),
    at_us BIGINT NOT NULL,
    body TEXT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX notes_account ON notes (account_id, at_us);

CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    due_at_us BIGINT NOT NULL,
    note TEXT,
    done_at_us BIGINT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX callbacks_due ON callbacks (user_id, done_at_us, due_at_us);

-- A promise to pay: one or several dated amounts (promise_payments).
CREATE TABLE promises (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT REFERENCES users (id),
    created_at_us BIGINT NOT NULL,
    status TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX promises_account ON promises (account_id);

CREATE TABLE promise_payments (
    promise_id BIGINT NOT NULL REFERENCES promises (id),
    seq BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (promise_id, seq)
);
