-- The audit log's signed checkpoints (src/domain/checkpoint.rs): one per tree size, the first
-- published wins (several app instances sign the same head alike). Kept for `audit verify` and
-- the public API; their worth is in the copies witnesses keep outside this database.
CREATE TABLE audit_checkpoints (
    size          INTEGER NOT NULL PRIMARY KEY,
    root_hash     TEXT    NOT NULL,
    published_at  TEXT    NOT NULL,
    note          TEXT    NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'published checkpoints never change');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'published checkpoints never change');
END;
