-- The audit tree's hashes stored in their primary key's B-tree (WITHOUT ROWID): an append writes
-- one page of the tree instead of two (the rowid table and its key's index), and a proof reads
-- one. The triggers of 0012 are recreated as they were.
CREATE TABLE audit_tree_clustered (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hash   TEXT    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

INSERT INTO audit_tree_clustered (level, idx, hash) SELECT level, idx, hash FROM audit_tree;

DROP TABLE audit_tree;

ALTER TABLE audit_tree_clustered RENAME TO audit_tree;

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
