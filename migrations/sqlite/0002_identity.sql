-- Identity and access: company details, beneficial owners, accounts, roles, API tokens and the
-- failed sign-in counters that throttling reads (shared by every app instance).
ALTER TABLE organizations ADD COLUMN registration_number TEXT;
ALTER TABLE organizations ADD COLUMN legal_address TEXT;
ALTER TABLE organizations ADD COLUMN phone TEXT;
ALTER TABLE organizations ADD COLUMN email TEXT;
ALTER TABLE organizations ADD COLUMN director TEXT;

CREATE TABLE beneficial_owners (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    position        INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    -- Percent, exact decimal text.
    share_percent   TEXT    NOT NULL,
    inn             TEXT,
    UNIQUE (organization_id, position)
);

CREATE TABLE users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id),
    email            TEXT    NOT NULL,
    -- Lower-cased email: emails are compared case-insensitively.
    email_key        TEXT    NOT NULL UNIQUE,
    full_name        TEXT    NOT NULL,
    password_hash    TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'inactive')),
    is_chair         INTEGER NOT NULL DEFAULT 0 CHECK (is_chair IN (0, 1)),
    last_sign_in_at  TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE INDEX users_organization ON users (organization_id, id);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id),
    role    TEXT    NOT NULL CHECK (role IN ('officer', 'approver', 'commission', 'bidder', 'reviewer', 'admin')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    -- SHA-256 of the token, hex; the token itself is never stored.
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE sign_in_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email_key   TEXT    NOT NULL,
    client_ip   TEXT,
    at          TEXT    NOT NULL
);

CREATE INDEX sign_in_failures_email ON sign_in_failures (email_key, at);
CREATE INDEX sign_in_failures_ip ON sign_in_failures (client_ip, at);
