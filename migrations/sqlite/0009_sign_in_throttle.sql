-- The sign-in throttle's counters (domain::throttle): one row per key, `pair:<email>|<address>`
-- or `address:<address>`, counting attempts in a window that starts at the first of them. An
-- upsert counts and reads in one statement, so parallel attempts cannot all pass.
CREATE TABLE sign_in_attempts (
    key           TEXT    PRIMARY KEY,
    window_start  TEXT    NOT NULL,
    attempts      INTEGER NOT NULL
);

-- Addresses an account has signed in from: never slowed down by failures elsewhere.
CREATE TABLE sign_in_addresses (
    email_key     TEXT    NOT NULL,
    client_ip     TEXT    NOT NULL,
    last_at       TEXT    NOT NULL,
    PRIMARY KEY (email_key, client_ip)
);

-- Expired counters are purged by their window's start.
CREATE INDEX sign_in_attempts_window ON sign_in_attempts (window_start);

-- The per-account slow-down against guessing from many addresses: an address the owner never
-- signed in from may try only when it wins the gate (a conditional upsert), one at a time.
CREATE TABLE sign_in_gates (
    email_key        TEXT        PRIMARY KEY,
    next_allowed_at  TEXT NOT NULL,
    refusals         INTEGER NOT NULL DEFAULT 0
);
