-- A project's financial case (the PPP model and the public-sector comparator), one row per save;
-- the newest version is the current one, older ones stay for the record.
CREATE TABLE project_financial_models (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    version     INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    saved_by    INTEGER NOT NULL REFERENCES users (id),
    saved_at    TEXT    NOT NULL,
    UNIQUE (project_id, version)
);
