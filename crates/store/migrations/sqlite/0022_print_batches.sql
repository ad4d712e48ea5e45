-- Print batches (issue 15): a batch is recorded with its letter set before its ZIP is
-- written, and completed once the ZIP is in place. A run that dies between the two
-- leaves the batch open: the next run for that day produces the same batch again (the
-- same letters, the same bytes) and completes it, so no letter is exported twice and
-- none is lost. A queued letter belongs to at most one batch (print_queue.batch_id).
CREATE TABLE print_batches (
    id INTEGER PRIMARY KEY,
    queued_on TEXT NOT NULL,
    letters BIGINT NOT NULL,
    opened_at_us BIGINT NOT NULL,
    completed_at_us BIGINT,
    sha256 TEXT,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX print_batches_open ON print_batches (queued_on, completed_at_us);
ALTER TABLE print_queue ADD COLUMN batch_id BIGINT REFERENCES print_batches (id);
CREATE INDEX print_queue_batch ON print_queue (batch_id);
