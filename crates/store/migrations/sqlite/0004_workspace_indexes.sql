-- Look-ups the workspace makes on every page, kept off full scans at millions of rows:
-- an account's audit events (the timeline), recent attempts (the dialer's history), an
-- agent's locks (released when they take the next account).
CREATE INDEX audit_events_entity ON audit_events (entity_key, seq);
CREATE INDEX contact_attempts_at ON contact_attempts (at_us);
CREATE INDEX account_locks_user ON account_locks (user_id);
