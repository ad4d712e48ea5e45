-- The decision log's link to its audit event, indexed. Each batch of decisions is written
-- before the audit event its rows name (`audit_seq`, a deferred foreign key); inserting
-- that event makes SQLite look for the child rows that point at it, and without this
-- index that is a scan of the whole log for every batch: the dialer list over 100,000
-- accounts spent 6.1 of its 14 s in 17 such scans (one per chunk of 5,000 debtors), and
-- the cost grows with the log, so a million accounts' list grew quadratically.
CREATE INDEX compliance_decisions_audit_seq ON compliance_decisions (audit_seq);
