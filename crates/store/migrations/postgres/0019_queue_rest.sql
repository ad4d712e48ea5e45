-- "Next account" skips a debtor tried on any of their accounts in the last
-- REST_AFTER_ATTEMPT_HOURS (issue 14). Asked as a subquery over the debtor's accounts
-- and their attempts for every row the queue scan passes, that cost grew with the
-- number of accounts already worked today (188 ms at p95 at 1,000,000 accounts after a
-- few hundred calls). The latest attempt on any of the debtor's accounts is kept on
-- each of their accounts instead, written by the one writer of attempts in the same
-- transaction (`Store::record_attempt`), and the queue's index carries it so the scan
-- passes a rested account without reading its row. 0: never tried.
ALTER TABLE accounts ADD COLUMN debtor_tried_at_us BIGINT NOT NULL DEFAULT 0;
DROP INDEX accounts_queue_order;
CREATE INDEX accounts_queue_order ON accounts (status, priority DESC, id, debtor_tried_at_us);
-- The queue asks each account it passes whether it has an open promise or an active
-- arrangement: by account and state, rather than reading every open promise (which
-- SQLite chose, from the state index, while nothing told it how many there are).
CREATE INDEX promises_account_status ON promises (account_id, status);
CREATE INDEX arrangements_account_status ON arrangements (account_id, status);
UPDATE accounts SET debtor_tried_at_us = COALESCE((SELECT MAX(t.at_us) FROM accounts s JOIN contact_attempts t ON t.account_id = s.id WHERE s.debtor_id = accounts.debtor_id), 0);
