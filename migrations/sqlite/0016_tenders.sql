-- The deputy chair of a municipality's tender commission acts when the chair has withdrawn
-- (domain.md section 3).
ALTER TABLE users ADD COLUMN is_deputy_chair INTEGER NOT NULL DEFAULT 0 CHECK (is_deputy_chair IN (0, 1));

-- Tenders (domain.md section 3): one contracting process per row (OCDS ocid = prefix-id), its
-- published versions with the differences each amendment made, and the clarification questions.
-- The terms bidders read are JSON (src/domain/tender.rs, TenderTerms) beside the columns lists
-- filter and sort on (state, timeline); the clock-driven statuses are computed from the timeline when read.
CREATE TABLE tenders (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id          INTEGER NOT NULL REFERENCES projects (id),
    municipality_id     INTEGER NOT NULL REFERENCES organizations (id),
    -- draft, published or cancelled; active_enquiries, active_tendering and closed come from
    -- the clock.
    state               TEXT    NOT NULL CHECK (state IN ('draft', 'published', 'cancelled')),
    version             INTEGER NOT NULL,
    -- Every term but the timeline and the accelerator, as JSON.
    terms               TEXT    NOT NULL,
    enquiry_end         TEXT,
    deadline            TEXT,
    opening             TEXT,
    accelerator         INTEGER NOT NULL CHECK (accelerator BETWEEN 1 AND 100000),
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    published_at        TEXT,
    cancelled_at        TEXT,
    cancel_reason       TEXT,
    cancel_explanation  TEXT,
    cancel_document_id  INTEGER REFERENCES documents (id),
    CHECK (state = 'draft' OR (enquiry_end IS NOT NULL AND deadline IS NOT NULL AND opening IS NOT NULL)
        OR state = 'cancelled')
);

-- A project has at most one tender in preparation or running.
CREATE UNIQUE INDEX tenders_one_live_per_project ON tenders (project_id) WHERE state IN ('draft', 'published');
CREATE INDEX tenders_municipality ON tenders (municipality_id, id);
CREATE INDEX tenders_project ON tenders (project_id, id);

-- Each published version: version 1 at publication, one more per amendment.
CREATE TABLE tender_versions (
    tender_id   INTEGER NOT NULL REFERENCES tenders (id),
    version     INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    -- Empty for the publication; the amendment's reason otherwise.
    reason      TEXT    NOT NULL,
    -- JSON: the terms as published in this version, and {"before": {...}, "after": {...}} of
    -- the fields the amendment changed.
    terms       TEXT    NOT NULL,
    changes     TEXT    NOT NULL,
    PRIMARY KEY (tender_id, version)
);

-- Clarifications. The asker is kept for the reviewers' inspection only: no page, API, export or
-- readable audit event names them.
CREATE TABLE tender_questions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id       INTEGER NOT NULL REFERENCES tenders (id),
    asker_org_id    INTEGER NOT NULL REFERENCES organizations (id),
    asker_user_id   INTEGER NOT NULL REFERENCES users (id),
    question        TEXT    NOT NULL,
    asked_at        TEXT    NOT NULL,
    answer          TEXT,
    answered_at     TEXT,
    answered_by     INTEGER REFERENCES users (id)
);

CREATE INDEX tender_questions_tender ON tender_questions (tender_id, id);
