-- The audit log's Merkle tree (RFC 9162; src/domain/merkle.rs): the hash (lower-case hex) of
-- every complete subtree, by its level (0 = the events' leaf hashes) and its index at that level,
-- written with the events in the same transaction.
CREATE TABLE audit_tree (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hash   TEXT    NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree
BEGIN
    SELECT RAISE(ABORT, 'the audit tree is append-only');
END;

CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree
BEGIN
    SELECT RAISE(ABORT, 'the audit tree is append-only');
END;

-- `INSERT OR REPLACE` deletes the row it replaces without firing delete triggers: refuse any
-- insert over a stored hash before it happens.
CREATE TRIGGER audit_tree_no_replace BEFORE INSERT ON audit_tree
WHEN EXISTS (SELECT 1 FROM audit_tree WHERE level = NEW.level AND idx = NEW.idx)
BEGIN
    SELECT RAISE(ABORT, 'the audit tree is append-only');
END;

-- Only the next event may be inserted: not a replacement (`INSERT OR REPLACE` of an existing
-- sequence number), not a gap.
CREATE TRIGGER audit_events_next_only BEFORE INSERT ON audit_events
WHEN NEW.seq <> (SELECT seq FROM audit_head WHERE id = 1) + 1
BEGIN
    SELECT RAISE(ABORT, 'only the next audit event may be appended');
END;
