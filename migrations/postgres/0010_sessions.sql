-- Browser sessions kept on the server, so that signing out, signing out everywhere, a password
-- reset or a deactivation ends them at once on every app instance. The cookie carries a random
-- secret; only its SHA-256 is kept here.
CREATE TABLE sessions (
    id_hash     TEXT        PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ
);

CREATE INDEX sessions_user ON sessions (user_id);
