-- Contracts after the award (issue 17, domain.md section 3 "Contract"): the signed agreement,
-- its milestones, amendments as versions, performance records per quarter. Money
-- is kept in minor units (see src/storage/types.rs), shares and demand as exact text.

-- One live contract per tender (a pending one is cancelled when its winner declines),
-- drafted from the award by the municipality's officer and signed
-- (recorded) by its approver. The private party is the winning bidding party's lead company or
-- the special-purpose company it formed (a company registered like any other).
-- pending -> signed -> in_operation -> completed; signed or in_operation -> terminated;
-- pending -> cancelled.
CREATE TABLE contracts (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id               INTEGER NOT NULL REFERENCES tenders (id),
    project_id              INTEGER NOT NULL REFERENCES projects (id),
    municipality_id         INTEGER NOT NULL REFERENCES organizations (id),
    bid_id                  TEXT   NOT NULL REFERENCES bids (id),
    supplier_org_id         INTEGER NOT NULL REFERENCES organizations (id),
    status                  TEXT   NOT NULL,
    title                   TEXT   NOT NULL,
    currency                TEXT   NOT NULL,
    -- As signed, and as the amendments leave them.
    signed_value            INTEGER NOT NULL,
    value                   INTEGER NOT NULL,
    signed_term_months      INTEGER NOT NULL,
    term_months             INTEGER NOT NULL,
    start_date              TEXT   NOT NULL,
    payment_mechanism       TEXT   NOT NULL,
    -- The winner's offer and financial model as opened, frozen (canonical JSON) with its SHA-256.
    agreed_model            TEXT   NOT NULL,
    agreed_model_sha256     TEXT   NOT NULL,
    municipality_signatory  TEXT   NOT NULL,
    municipality_signatory_position TEXT NOT NULL,
    supplier_signatory      TEXT   NOT NULL,
    supplier_signatory_position TEXT NOT NULL,
    -- The performance guarantee.
    guarantee_issuer        TEXT   NOT NULL,
    guarantee_reference     TEXT   NOT NULL,
    guarantee_amount        INTEGER NOT NULL,
    guarantee_valid_until   TEXT   NOT NULL,
    created_at              TEXT NOT NULL,
    created_by              INTEGER NOT NULL REFERENCES users (id),
    signed_on               TEXT,
    signed_at               TEXT,
    signed_by               INTEGER REFERENCES users (id),
    -- The bid securities released at signing.
    securities_released_at  TEXT,
    ended_on                TEXT,
    ended_at                TEXT,
    ended_by                INTEGER REFERENCES users (id),
    termination_reason      TEXT,
    termination_payment     INTEGER
);

-- At most one live contract per tender (the drafting service decides under the tender's lock;
-- this is the database's own guard).
CREATE UNIQUE INDEX contracts_live_tender ON contracts (tender_id) WHERE status <> 'cancelled';
CREATE INDEX contracts_municipality ON contracts (municipality_id, id);
CREATE INDEX contracts_supplier ON contracts (supplier_org_id);

-- The special-purpose company's shareholders as the contract records them (the bidding
-- party's companies; shares sum to 100).
CREATE TABLE contract_shareholders (
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    company_id   INTEGER NOT NULL REFERENCES organizations (id),
    share        TEXT NOT NULL,
    PRIMARY KEY (contract_id, company_id)
);

-- The project's documents that make up the contract (each keeps its own visibility).
CREATE TABLE contract_documents (
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    PRIMARY KEY (contract_id, document_id)
);

-- Milestones: one of each kind per contract, planned and (once met) actual dates.
CREATE TABLE contract_milestones (
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    kind         TEXT   NOT NULL,
    planned_on   TEXT   NOT NULL,
    met_on       TEXT,
    note         TEXT   NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL,
    updated_by   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (contract_id, kind)
);

-- Amendments: version 2, 3, ... of the contract (version 1 is the signed contract), each with
-- the value and term it leaves.
CREATE TABLE contract_amendments (
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    version      INTEGER NOT NULL,
    reason       TEXT   NOT NULL,
    description  TEXT   NOT NULL,
    agreed_on    TEXT   NOT NULL,
    value        INTEGER NOT NULL,
    term_months  INTEGER NOT NULL,
    document_id  INTEGER REFERENCES documents (id),
    recorded_at  TEXT NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (contract_id, version)
);

-- Performance per quarter ('2026-Q1'): what the municipality paid, the availability
-- deductions, the tariff charged and the demand served.
CREATE TABLE contract_performance (
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    period       TEXT   NOT NULL,
    paid         INTEGER NOT NULL,
    deductions   INTEGER NOT NULL,
    tariff       INTEGER,
    demand       TEXT,
    note         TEXT   NOT NULL DEFAULT '',
    recorded_at  TEXT NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (contract_id, period)
);
