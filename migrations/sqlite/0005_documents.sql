-- Project documents: named documents, each upload a version; contents live in the blob store
-- under their SHA-256.
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    visibility  TEXT    NOT NULL CHECK (visibility IN ('public', 'internal')),
    created_at  TEXT    NOT NULL,
    UNIQUE (project_id, kind, title)
);

CREATE TABLE document_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id   INTEGER NOT NULL REFERENCES documents (id),
    version       INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL,
    file_type     TEXT    NOT NULL,
    filename      TEXT    NOT NULL,
    uploaded_by   INTEGER REFERENCES users (id),
    uploaded_at   TEXT    NOT NULL,
    UNIQUE (document_id, version)
);
