-- A round may be for some programmes only (their codes or code prefixes, e.g. "6B01501,6B015");
-- empty: every programme of the years.
ALTER TABLE placement_rounds ADD COLUMN programmes TEXT NOT NULL DEFAULT '';
