-- The audit log's Merkle tree (RFC 9162; src/domain/merkle.rs): the hash (lower-case hex) of
-- every complete subtree, by its level (0 = the events' leaf hashes) and its index at that level,
-- written with the events in the same transaction.
CREATE TABLE audit_tree (
    level  SMALLINT NOT NULL,
    idx    BIGINT   NOT NULL,
    hash   TEXT     NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE FUNCTION audit_tree_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit tree is append-only';
END;
$$;

CREATE TRIGGER audit_tree_no_update BEFORE UPDATE OR DELETE ON audit_tree
    FOR EACH ROW EXECUTE FUNCTION audit_tree_refuse();
CREATE TRIGGER audit_tree_no_truncate BEFORE TRUNCATE ON audit_tree
    FOR EACH STATEMENT EXECUTE FUNCTION audit_tree_refuse();

-- Only the next event may be inserted: not a gap, not a number already taken.
CREATE FUNCTION audit_events_next_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> (SELECT seq FROM audit_head WHERE id = 1) + 1 THEN
        RAISE EXCEPTION 'only the next audit event may be appended';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_events_next_only BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_next_only();
