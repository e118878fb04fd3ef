-- Complaints and the reviewers' hold (issue 16, domain.md section 3).

-- A complaint by a bidding party in the protocol against the award proposal (during the
-- standstill), or by a registered bidder against the tender's terms (before the deadline).
-- filed -> accepted | inadmissible; accepted -> upheld | dismissed; filed or accepted ->
-- withdrawn by its complainant.
CREATE TABLE complaints (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id         INTEGER NOT NULL REFERENCES tenders (id),
    -- 'award' or 'terms'
    against           TEXT    NOT NULL,
    complainant_org_id INTEGER NOT NULL REFERENCES organizations (id),
    filed_by          INTEGER NOT NULL REFERENCES users (id),
    filed_at          TEXT NOT NULL,
    grounds           TEXT    NOT NULL,
    remedy            TEXT    NOT NULL,
    -- The evaluation round the award complaint is against (1 for the first report).
    round             INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    accepted_at       TEXT,
    accepted_by       INTEGER REFERENCES users (id),
    decided_at        TEXT,
    decided_by        INTEGER REFERENCES users (id),
    -- The reviewer's note on accepting it for review (optional).
    acceptance_reason TEXT,
    -- The reviewer's reason for the decision (inadmissible, upheld, dismissed).
    decision_reason   TEXT
);

CREATE INDEX complaints_tender ON complaints (tender_id, id);

-- A complaint's documents: files the complainant sent with it, kept in the blob store by their
-- SHA-256 (not sealed: complaints are not bids). Ids are random, as bid documents' are.
CREATE TABLE complaint_documents (
    id            TEXT    PRIMARY KEY,
    complaint_id  INTEGER NOT NULL REFERENCES complaints (id),
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    uploaded_at   TEXT NOT NULL
);

CREATE INDEX complaint_documents_complaint ON complaint_documents (complaint_id);
CREATE INDEX complaints_status ON complaints (status, id);

-- The reviewers' hold on a tender: while set, every change to the tender is refused. An upheld
-- complaint against the terms sets one that the next amendment releases (hold_complaint_id);
-- a reviewer's own hold (hold_complaint_id null) only a reviewer releases.
ALTER TABLE tenders ADD COLUMN hold_reason TEXT;
ALTER TABLE tenders ADD COLUMN hold_since TEXT;
ALTER TABLE tenders ADD COLUMN hold_by INTEGER REFERENCES users (id);
ALTER TABLE tenders ADD COLUMN hold_complaint_id INTEGER REFERENCES complaints (id);
-- An upheld complaint against the terms while a reviewer's own hold was set: its amendment hold
-- follows when the reviewer releases theirs (an amendment never lifts a reviewer's own hold).
ALTER TABLE tenders ADD COLUMN pending_amendment_complaint_id INTEGER REFERENCES complaints (id);

-- How far holds moved the standstill's end (microseconds). The current round is one more than
-- the archived rounds below.
ALTER TABLE tender_evaluations ADD COLUMN standstill_shift_us INTEGER NOT NULL DEFAULT 0;

-- Reports of earlier rounds, kept as they were frozen when an upheld complaint reopened the
-- evaluation.
CREATE TABLE evaluation_rounds (
    tender_id        INTEGER NOT NULL REFERENCES tenders (id),
    round            INTEGER NOT NULL,
    closed_at        TEXT NOT NULL,
    report           TEXT    NOT NULL,
    sha256           TEXT    NOT NULL,
    proposed_bid_id  TEXT    REFERENCES bids (id),
    confirmed_at     TEXT,
    reopened_at      TEXT NOT NULL,
    complaint_id     INTEGER NOT NULL REFERENCES complaints (id),
    PRIMARY KEY (tender_id, round)
);
