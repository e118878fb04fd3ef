-- Search by word prefix through an index: every normalised word of a project's titles,
-- description and objectives (domain::search::normalize), written with the project. A query word
-- matches the words in [word, word || U+10FFFF); the "C" collation compares code points, as
-- SQLite does, whatever the database's locale.
CREATE TABLE project_search_words (
    word       TEXT COLLATE "C" NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    PRIMARY KEY (word, project_id)
);

-- A project's words are replaced when its text changes.
CREATE INDEX project_search_words_project ON project_search_words (project_id);

-- The projects recorded before this table: split their normalised text (" word word ").
INSERT INTO project_search_words (word, project_id)
SELECT DISTINCT w, id FROM projects, regexp_split_to_table(btrim(search_text), ' ') AS w WHERE w <> '';
