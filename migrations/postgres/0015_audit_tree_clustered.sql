-- SQLite rebuilds its audit tree as a WITHOUT ROWID table in this migration (one B-tree page per
-- append instead of two). PostgreSQL keeps the heap and its primary key's index: nothing to do,
-- and the migration numbers stay the same on both engines.
SELECT 1;
