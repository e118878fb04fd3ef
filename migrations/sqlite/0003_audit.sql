-- The audit log: append-only, hash-chained events (see src/domain/audit.rs for the encoding).
CREATE TABLE audit_events (
    seq                    INTEGER PRIMARY KEY,
    at                     TEXT    NOT NULL,
    actor_id               INTEGER,
    actor_name             TEXT    NOT NULL,
    actor_organization_id  INTEGER,
    actor_organization     TEXT,
    actor_role             TEXT,
    client_address         TEXT,
    action                 TEXT    NOT NULL,
    entity_type            TEXT    NOT NULL,
    entity_id              TEXT    NOT NULL,
    organization_id        INTEGER,
    confidential_org_id    INTEGER,
    confidential_until     TEXT,
    -- JSON text exactly as hashed.
    payload                TEXT    NOT NULL,
    prev_hash              TEXT    NOT NULL,
    hash                   TEXT    NOT NULL
);

CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_organization ON audit_events (organization_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_at ON audit_events (at);

-- The single head row: appends lock it, so they are numbered and chained one at a time, also
-- across several app instances.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

-- Every insert moves the head, in the same statement: an append is one read of the head and one
-- insert.
CREATE TRIGGER audit_events_move_head AFTER INSERT ON audit_events
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
END;
