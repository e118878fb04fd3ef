-- The commission's evaluation (issue 15, domain.md section 3): declarations of conflicts of
-- interest, qualification findings, members' scores, and the frozen report with the award
-- proposal.

-- Each member's declaration on a tender's bidding parties, once, after the opening. A conflict
-- with any company of any party withdraws the member from the tender.
CREATE TABLE commission_declarations (
    tender_id    INTEGER NOT NULL REFERENCES tenders (id),
    member_id    INTEGER NOT NULL REFERENCES users (id),
    -- JSON: [{"company_id": "7", "conflict": false}], one per company of every bidding party
    -- in the opening protocol.
    parties      TEXT    NOT NULL,
    conflict     INTEGER NOT NULL CHECK (conflict IN (0, 1)),
    -- Required with a conflict: its nature.
    explanation  TEXT    NOT NULL,
    declared_at  TEXT    NOT NULL,
    PRIMARY KEY (tender_id, member_id)
);

-- The commission's finding on a bid: one per qualification requirement of the tender (met, or
-- not met with a reason code and a note), recorded by the acting chair until the scoring closes.
CREATE TABLE bid_qualifications (
    bid_id       TEXT    PRIMARY KEY REFERENCES bids (id),
    tender_id    INTEGER NOT NULL REFERENCES tenders (id),
    qualified    INTEGER NOT NULL CHECK (qualified IN (0, 1)),
    -- JSON: [{"requirement": 0, "met": true}, {"requirement": 1, "met": false, "reason", "note"}]
    findings     TEXT    NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES users (id),
    recorded_at  TEXT    NOT NULL
);

CREATE INDEX bid_qualifications_tender ON bid_qualifications (tender_id);

-- A member's scores of a bid, one per technical criterion (JSON object: the criterion's index
-- in the tender's criteria -> a decimal string from 0 to 100), changeable until the scoring
-- closes.
CREATE TABLE bid_scores (
    bid_id      TEXT    NOT NULL REFERENCES bids (id),
    member_id   INTEGER NOT NULL REFERENCES users (id),
    tender_id   INTEGER NOT NULL REFERENCES tenders (id),
    scores      TEXT    NOT NULL,
    scored_at   TEXT    NOT NULL,
    PRIMARY KEY (bid_id, member_id)
);

CREATE INDEX bid_scores_tender ON bid_scores (tender_id);

-- The closing of the scoring: the report as frozen (JSON) and its SHA-256, which the closing
-- audit event carries; then the chair's proposal and the approver's confirmation (the start of
-- the standstill).
CREATE TABLE tender_evaluations (
    tender_id       INTEGER PRIMARY KEY REFERENCES tenders (id),
    closed_at       TEXT    NOT NULL,
    closed_by       INTEGER NOT NULL REFERENCES users (id),
    report          TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    proposed_bid_id TEXT    REFERENCES bids (id),
    proposed_at     TEXT,
    proposed_by     INTEGER REFERENCES users (id),
    confirmed_at    TEXT,
    confirmed_by    INTEGER REFERENCES users (id)
);
