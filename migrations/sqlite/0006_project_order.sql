-- The registry list ordered by capital cost (within a currency) walks this index instead of
-- sorting every project.
CREATE INDEX projects_by_cost ON projects (currency, capital_cost, id);
