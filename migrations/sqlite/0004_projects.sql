-- PPP projects, their lifecycle timeline and the registry-number counters.
CREATE TABLE projects (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id        INTEGER NOT NULL REFERENCES organizations (id),
    -- Assigned at the first submission (OSH-PPP-2026-001), never reused.
    registry_number        TEXT    UNIQUE,
    stage                  TEXT    NOT NULL,
    title_ru               TEXT    NOT NULL,
    title_ky               TEXT,
    title_en               TEXT,
    sector                 TEXT    NOT NULL,
    model                  TEXT    NOT NULL,
    initiation             TEXT    NOT NULL,
    -- A private initiative: the proposing company, its advantage rule (JSON) and the day the
    -- municipality's completeness check is due.
    proponent_id           INTEGER REFERENCES organizations (id),
    proponent_advantage    TEXT,
    completeness_due_at    TEXT,
    description            TEXT    NOT NULL,
    objectives             TEXT    NOT NULL,
    address                TEXT    NOT NULL,
    latitude               TEXT,
    longitude              TEXT,
    -- Minor units (tyiyn, cents), exact.
    capital_cost           INTEGER NOT NULL,
    currency               TEXT    NOT NULL,
    term_years             INTEGER NOT NULL,
    payment_mechanism      TEXT    NOT NULL,
    -- JSON: risk category -> allocation; the appraisal record.
    risks                  TEXT    NOT NULL,
    appraisal              TEXT    NOT NULL,
    responsible_officer_id INTEGER REFERENCES users (id),
    -- Titles and description, normalised for search (src/domain/search.rs).
    search_text            TEXT    NOT NULL DEFAULT '',
    return_reason          TEXT,
    created_at             TEXT    NOT NULL,
    updated_at             TEXT    NOT NULL
);

CREATE INDEX projects_municipality ON projects (municipality_id, id);
CREATE INDEX projects_stage ON projects (stage, id);

CREATE TABLE project_transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    at          TEXT    NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_stage  TEXT    NOT NULL,
    to_stage    TEXT    NOT NULL,
    comment     TEXT    NOT NULL
);

CREATE INDEX project_transitions_project ON project_transitions (project_id, id);

CREATE TABLE registry_counters (
    municipality_id INTEGER NOT NULL REFERENCES organizations (id),
    year            INTEGER NOT NULL,
    last            INTEGER NOT NULL,
    PRIMARY KEY (municipality_id, year)
);
