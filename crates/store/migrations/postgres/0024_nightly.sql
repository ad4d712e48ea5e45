-- The nightly engine (issue 16): runs as of a business date, split into chunks of
-- debtors (a debtor's accounts are always in one chunk) that one or several workers
-- lease, process and mark done in the transaction that writes their results, so a run
-- killed at any point resumes where it stopped and ends as an uninterrupted run would.
CREATE TABLE batch_runs (
    id BIGINT PRIMARY KEY,
    as_of TEXT NOT NULL,
    replay BIGINT NOT NULL,
    status TEXT NOT NULL,
    chunks BIGINT NOT NULL,
    debtors_per_chunk BIGINT NOT NULL,
    strategy_id BIGINT,
    model_id BIGINT,
    started_at_us BIGINT NOT NULL,
    finished_at_us BIGINT,
    started_by TEXT NOT NULL,
    summary_json TEXT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX batch_runs_as_of ON batch_runs (as_of, status);
CREATE TABLE batch_chunks (
    run_id BIGINT NOT NULL REFERENCES batch_runs (id),
    chunk_no BIGINT NOT NULL,
    first_debtor_id BIGINT NOT NULL,
    last_debtor_id BIGINT NOT NULL,
    leased_by TEXT,
    lease_until_us BIGINT,
    tries BIGINT NOT NULL,
    -- A chunk is written in parts of a few debtors (short transactions: agents' writes
    -- wait for one part, not the chunk); the last debtor written so far.
    done_through_debtor_id BIGINT,
    done_at_us BIGINT,
    elapsed_us BIGINT,
    counts_json TEXT,
    failure TEXT,
    PRIMARY KEY (run_id, chunk_no)
);
CREATE INDEX batch_chunks_todo ON batch_chunks (run_id, done_at_us, chunk_no);
-- What the engine last decided for an account: derived state, recomputed by every run
-- (interest and aging are in the ledger and aging_moves).
CREATE TABLE account_nightly (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    run_id BIGINT NOT NULL,
    as_of TEXT NOT NULL,
    score BIGINT,
    score_reasons TEXT,
    segment TEXT,
    segment_since TEXT,
    arm TEXT,
    steps_done BIGINT NOT NULL,
    queue_priority BIGINT NOT NULL
);
CREATE INDEX account_nightly_segment ON account_nightly (segment, arm);
-- The date the statute of limitations ran out, as the status step saw it pass.
ALTER TABLE accounts ADD COLUMN time_barred_on TEXT;
-- Strategies and scoring models as loaded, each version kept; one of each is active.
CREATE TABLE strategies (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    active BIGINT NOT NULL,
    loaded_at_us BIGINT NOT NULL,
    loaded_by TEXT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (name, version)
);
CREATE TABLE score_models (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    active BIGINT NOT NULL,
    loaded_at_us BIGINT NOT NULL,
    loaded_by TEXT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
-- A treatment step the strategy fired for an account: once per (account, segment
-- entry, arm, step). It is sent through the channels' outbox, each send asking the
-- compliance engine; a refused step waits for the instant the engine names.
CREATE TABLE strategy_actions (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    run_id BIGINT NOT NULL REFERENCES batch_runs (id),
    segment TEXT NOT NULL,
    segment_since TEXT NOT NULL,
    arm TEXT NOT NULL,
    step_no BIGINT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    tries BIGINT NOT NULL,
    outcome TEXT,
    retry_at_us BIGINT,
    decided_at_us BIGINT,
    UNIQUE (account_id, segment, segment_since, arm, step_no)
);
CREATE INDEX strategy_actions_status ON strategy_actions (status, retry_at_us, id);
-- Late fees charged on a plan's missed installments: one per installment, ever
-- (domain::late_fee), with the ledger entry that charged it.
CREATE TABLE late_fees (
    arrangement_id BIGINT NOT NULL REFERENCES arrangements (id),
    due_on TEXT NOT NULL,
    entry_id BIGINT NOT NULL REFERENCES ledger_entries (id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (arrangement_id, due_on)
);
