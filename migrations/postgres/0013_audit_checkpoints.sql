-- The audit log's signed checkpoints (src/domain/checkpoint.rs): one per tree size, the first
-- published wins (several app instances sign the same head alike). Kept for `audit verify` and
-- the public API; their worth is in the copies witnesses keep outside this database.
CREATE TABLE audit_checkpoints (
    size          BIGINT      NOT NULL PRIMARY KEY,
    root_hash     TEXT        NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    note          TEXT        NOT NULL
);

CREATE FUNCTION audit_checkpoints_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published checkpoints never change';
END;
$$;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse();
