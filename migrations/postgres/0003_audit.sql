-- The audit log: append-only, hash-chained events (see src/domain/audit.rs for the encoding).
CREATE TABLE audit_events (
    seq                    BIGINT      PRIMARY KEY,
    at                     TIMESTAMPTZ NOT NULL,
    actor_id               BIGINT,
    actor_name             TEXT        NOT NULL,
    actor_organization_id  BIGINT,
    actor_organization     TEXT,
    actor_role             TEXT,
    client_address         TEXT,
    action                 TEXT        NOT NULL,
    entity_type            TEXT        NOT NULL,
    entity_id              TEXT        NOT NULL,
    organization_id        BIGINT,
    confidential_org_id    BIGINT,
    confidential_until     TIMESTAMPTZ,
    -- JSON text exactly as hashed (not JSONB, which would reorder it).
    payload                TEXT        NOT NULL,
    prev_hash              TEXT        NOT NULL,
    hash                   TEXT        NOT NULL
);

CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_organization ON audit_events (organization_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT  NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse();

-- Every insert moves the head, in the same statement: an append is one read of the head and one
-- insert.
CREATE FUNCTION audit_events_move_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_events_move_head AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_move_head();
