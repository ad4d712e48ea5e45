-- Issue 13, finding 5: the audit head and the rows whose change matters are sealed with
-- the key (see store::seal). The seals need the key, which never enters the database:
-- the store computes them for the rows already there in the same transaction as this
-- migration (store::db::migrate), and every writer keeps them current from then on.

-- The sealed tables' row counts and digests (`TABLE ROWS SUM` lines), and an HMAC over
-- the head's seq, hash and those counts, so the chain's end cannot be rewound.
ALTER TABLE audit_head ADD COLUMN sealed_rows TEXT;
ALTER TABLE audit_head ADD COLUMN seal TEXT;

-- One 128-bit tag per group of significant columns (hex), written with the row.
ALTER TABLE accounts ADD COLUMN seal TEXT;
ALTER TABLE debtors ADD COLUMN seal TEXT;
ALTER TABLE payments ADD COLUMN seal TEXT;
ALTER TABLE account_holds ADD COLUMN seal TEXT;
ALTER TABLE users ADD COLUMN seal TEXT;
ALTER TABLE user_creditors ADD COLUMN seal TEXT;
