-- The award after the standstill (issue 16, domain.md section 3): when the approver confirmed
-- it and who. A winner's decline replaces the proposal (the next-ranked bid, a new standstill
-- from `confirmed_at`) and clears these.
ALTER TABLE tender_evaluations ADD COLUMN awarded_at TEXT;
ALTER TABLE tender_evaluations ADD COLUMN awarded_by INTEGER REFERENCES users (id);
