-- Organisations: municipalities (public partners), companies (bidders), the antimonopoly
-- authority and the platform operator. Identity (issue 3) extends this table.
-- Times are UTC, stored as fixed-width RFC 3339 text (YYYY-MM-DDTHH:MM:SS.ffffffZ) so they sort.
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (kind IN ('municipality', 'company', 'antimonopoly', 'operator')),
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'inactive')),
    name_ru     TEXT    NOT NULL CHECK (length(name_ru) > 0),
    name_ky     TEXT,
    name_en     TEXT,
    -- Municipality code used in registry numbers such as OSH-PPP-2026-001.
    code        TEXT    UNIQUE,
    -- Taxpayer number (INN, 14 digits); with the configured scheme it is the OCDS party identifier.
    inn         TEXT    UNIQUE,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE INDEX organizations_kind ON organizations (kind, id);
