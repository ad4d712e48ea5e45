-- The work list and search (issue 14). The columns and indexes come first, the
-- backfills last: PostgreSQL refuses an index on a table whose rows the transaction
-- changed under deferred foreign keys.
--
-- Search compares names folded (lower case, accents removed: `domain::text::fold`).
-- SQL cannot fold accents the same way on both engines, so the columns start empty
-- and the store fills them in Rust in this migration's transaction
-- (`workspace::worklist::fold_existing_names`); import and every name change write them.
ALTER TABLE debtors ADD COLUMN first_name_folded TEXT NOT NULL DEFAULT '';
ALTER TABLE debtors ADD COLUMN last_name_folded TEXT NOT NULL DEFAULT '';
-- A prefix search is a range on these (`>= 'diaz' AND < 'dib'`), which a plain b-tree
-- serves on both engines; the folded text holds only a-z, 0-9 and spaces.
CREATE INDEX debtors_last_name_folded ON debtors (last_name_folded, first_name_folded);
CREATE INDEX debtors_first_name_folded ON debtors (first_name_folded);
-- References in any case.
CREATE INDEX accounts_ref_lower ON accounts (lower(account_ref));
-- Phones in any format (the search normalises them to E.164) and email addresses in
-- any case.
CREATE INDEX contact_points_value ON contact_points (lower(value));
-- The last 4 of the SSN, through its blind index, for the roles that may.
CREATE INDEX debtors_ssn_last4 ON debtors (ssn_last4_index);

-- The balance, kept in step with the ledger by every writer of ledger entries in the
-- same transaction (`workspace::worklist::refresh_balances`), so the work list can
-- filter, sort and total by it without summing a million ledgers. The ledger stays the
-- truth: this is recomputed from it, never adjusted by itself.
ALTER TABLE accounts ADD COLUMN balance_minor BIGINT NOT NULL DEFAULT 0;
-- When an agent last logged a contact attempt on the account; 0: never.
ALTER TABLE accounts ADD COLUMN last_worked_at_us BIGINT NOT NULL DEFAULT 0;

-- The work list's orders, each within one status (the list always filters by one):
-- by balance, by days past due (delinquent_since; a bucket is a range of it), by last
-- worked; the id breaks ties so pages are stable.
CREATE INDEX accounts_worklist_balance ON accounts (status, balance_minor, id);
CREATE INDEX accounts_worklist_delinquent ON accounts (status, delinquent_since, id);
CREATE INDEX accounts_worklist_worked ON accounts (status, last_worked_at_us, id);
-- Promises due on a day, broken promises (the latest first in the "today" panel): the
-- list starts from these when asked.
CREATE INDEX promise_payments_due ON promise_payments (due_on, promise_id);
CREATE INDEX promises_status ON promises (status, id, account_id);

UPDATE accounts SET balance_minor = (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) FROM ledger_entries e WHERE e.account_id = accounts.id);
UPDATE accounts SET last_worked_at_us = (SELECT COALESCE(MAX(t.at_us), 0) FROM contact_attempts t WHERE t.account_id = accounts.id);
