-- Search by word prefix through an index: every normalised word of a project's titles,
-- description and objectives (domain::search::normalize), written with the project. A query word
-- matches the words in [word, word || U+10FFFF), compared bytewise on both engines.
CREATE TABLE project_search_words (
    word       TEXT    NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    PRIMARY KEY (word, project_id)
) WITHOUT ROWID;

-- A project's words are replaced when its text changes.
CREATE INDEX project_search_words_project ON project_search_words (project_id);

-- The projects recorded before this table: split their normalised text (" word word ").
INSERT OR IGNORE INTO project_search_words (word, project_id)
WITH RECURSIVE split (project_id, word, rest) AS (
    SELECT id, '', substr(search_text, 2) FROM projects
    UNION ALL
    SELECT project_id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
    FROM split WHERE rest <> ''
)
SELECT word, project_id FROM split WHERE word <> '';
