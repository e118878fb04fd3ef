-- What the opening found of each bid's documents (issue 14): the documents the opened content
-- lists that were missing or altered, as a JSON array of {"id", "fault"} ("missing" or
-- "altered"); `[]` when all were found as listed; NULL before the opening, for withdrawn bids and
-- for bids whose content did not match its receipt (its list is not the bidder's: not checked).
ALTER TABLE bids ADD COLUMN document_faults TEXT;
