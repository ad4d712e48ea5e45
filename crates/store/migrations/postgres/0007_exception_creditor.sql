-- The creditor a bank-file item named (payment CSV, `--creditor`), so that the
-- exceptions list keeps creditor segregation and shows the creditor's currency. Items
-- that name none (BAI2 lockbox, NACHA without `--creditor`) belong to the agency's bank
-- account and are shown only to users who see every creditor.
ALTER TABLE payment_exceptions ADD COLUMN creditor_id BIGINT REFERENCES creditors (id);
-- Items recorded before: the creditor code in the item's detail (compact JSON, written
-- by Arrears), found the same way on both engines.
UPDATE payment_exceptions SET creditor_id = (
    SELECT MIN(c.id) FROM creditors c
    WHERE payment_exceptions.detail LIKE '%"creditor":"' || c.code || '"%'
);
CREATE INDEX payment_exceptions_creditor ON payment_exceptions (creditor_id, status, id);
