-- A mailing address a placement row gave only in part (a state and ZIP code but no
-- street or city, …): kept, because the state and ZIP still decide time zones and state
-- rules, but not mailable. Its accounts are the locate list (docs/placement-file.md).
ALTER TABLE debtors ADD COLUMN address_incomplete BIGINT NOT NULL DEFAULT 0;
CREATE INDEX debtors_address_incomplete ON debtors (creditor_id, id) WHERE address_incomplete = 1;
