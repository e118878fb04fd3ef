-- Sealed bids (domain.md section 3, issue 14).

-- What follows the clock-driven statuses, kept beside `state` (which stays draft, published or
-- cancelled): NULL while the clock decides; the opening sets `evaluation`, or `unsuccessful`
-- when there was no bid. The later phases of the lifecycle are listed now so the check never
-- needs rebuilding.
ALTER TABLE tenders ADD COLUMN phase TEXT
    CHECK (phase IN ('evaluation', 'standstill', 'awarded', 'complete', 'unsuccessful'));
ALTER TABLE tenders ADD COLUMN opened_at TEXT;
ALTER TABLE tenders ADD COLUMN opened_by INTEGER REFERENCES users (id);

-- An unsuccessful tender no longer holds its project: a new one may be prepared.
DROP INDEX tenders_one_live_per_project;
CREATE UNIQUE INDEX tenders_one_live_per_project ON tenders (project_id)
    WHERE state IN ('draft', 'published') AND (phase IS NULL OR phase <> 'unsuccessful');

-- Each tender's content key, wrapped (AES-256-GCM, bound to the tender) by the configured
-- master key `master_key_id`; the master keys themselves are never in the database.
CREATE TABLE tender_keys (
    tender_id       INTEGER PRIMARY KEY REFERENCES tenders (id),
    master_key_id   TEXT    NOT NULL,
    -- base64 of the nonce and the ciphertext.
    wrapped         TEXT    NOT NULL,
    created_at      TEXT    NOT NULL
);

-- One bid per bidding party (its lead company) per tender. The id is random (128 bits, hex) so
-- it reveals nothing about how many bids there are. Until the opening the content is only the
-- ciphertext of its canonical encoding (src/domain/bid.rs); `opened_content` is that encoding
-- once the chair has opened the tender.
CREATE TABLE bids (
    id              TEXT    PRIMARY KEY,
    tender_id       INTEGER NOT NULL REFERENCES tenders (id),
    lead_org_id     INTEGER NOT NULL REFERENCES organizations (id),
    -- submitted or withdrawn until the opening (needs_confirmation is computed: the bid stands
    -- on an older version of the tender than the current one); opened or withdrawn after it.
    status          TEXT    NOT NULL CHECK (status IN ('submitted', 'withdrawn', 'opened', 'qualified',
                        'disqualified', 'proposed', 'awarded', 'declined')),
    version         INTEGER NOT NULL,
    -- The tender's version the bid was last submitted or confirmed on.
    tender_version  INTEGER NOT NULL,
    received_at     TEXT    NOT NULL,
    -- base64 of the nonce and the ciphertext of the canonical encoding; NULL once withdrawn.
    sealed          TEXT,
    -- SHA-256 (hex) of the canonical encoding, as on the latest receipt.
    sha256          TEXT    NOT NULL,
    opened_content  TEXT,
    -- Whether the decrypted content matched its receipt's hash at the opening.
    hash_matches    INTEGER CHECK (hash_matches IN (0, 1)),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE UNIQUE INDEX bids_one_per_party ON bids (tender_id, lead_org_id);
CREATE INDEX bids_tender ON bids (tender_id, id);

-- Every receipt handed out: submission, replacement, confirmation, withdrawal.
CREATE TABLE bid_receipts (
    bid_id          TEXT    NOT NULL REFERENCES bids (id),
    version         INTEGER NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('submission', 'replacement', 'confirmation', 'withdrawal')),
    received_at     TEXT    NOT NULL,
    -- base64 of the salt sealed under the tender's key (beside its hash in clear it would let a
    -- reader of the database test candidate prices).
    salt            TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    -- JSON: the receipt as handed out, without its salt and its audit leaf (the log keeps it).
    receipt         TEXT    NOT NULL,
    submitted_by    INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (bid_id, version)
);

-- A consortium's member companies, as its lead named them; each joins only when a bidder of the
-- member confirms (a company is in one bid of a tender at most: checked at its own confirmation).
CREATE TABLE bid_members (
    bid_id          TEXT    NOT NULL REFERENCES bids (id),
    company_id      INTEGER NOT NULL REFERENCES organizations (id),
    role            TEXT    NOT NULL,
    -- The member's share in percent, a decimal string.
    share           TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('invited', 'confirmed')),
    confirmed_at    TEXT   ,
    confirmed_by    INTEGER REFERENCES users (id),
    PRIMARY KEY (bid_id, company_id)
);

CREATE INDEX bid_members_company ON bid_members (company_id, bid_id);
