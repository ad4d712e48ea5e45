-- The work list and the queue read their filters from their indexes alone (issue 14's
-- benchmark). Every commit on SQLite (an attempt, a queue lock) empties each other
-- connection's page cache, so a page that looked up every row its index walk passed
-- read thousands of pages cold: counting up to WORKLIST_COUNT_MAX accounts took about
-- 2,300 page reads, a bucket's third page 2,200. With the columns the filters, the
-- count and the totals ask about carried in each order's index, counting reads about
-- 25 pages and a page reads its 50 rows (measured at 1,000,000 accounts with
-- `.stats on`; docs/benchmarks.md). The id stays right after the order's column, so
-- each index still gives its order with stable pages.
DROP INDEX accounts_worklist_balance;
DROP INDEX accounts_worklist_delinquent;
DROP INDEX accounts_worklist_worked;
CREATE INDEX accounts_worklist_balance ON accounts (status, balance_minor, id, delinquent_since, creditor_id, assigned_user_id, last_worked_at_us, currency);
CREATE INDEX accounts_worklist_delinquent ON accounts (status, delinquent_since, id, balance_minor, creditor_id, assigned_user_id, last_worked_at_us, currency);
CREATE INDEX accounts_worklist_worked ON accounts (status, last_worked_at_us, id, balance_minor, delinquent_since, creditor_id, assigned_user_id, currency);
-- The queue passes the accounts of debtors in their cool-down and of other agents
-- without reading their rows.
DROP INDEX accounts_queue_order;
CREATE INDEX accounts_queue_order ON accounts (status, priority DESC, id, debtor_tried_at_us, creditor_id, assigned_user_id, debtor_id);
