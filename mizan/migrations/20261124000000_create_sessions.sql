-- Visitors' sessions. `data` holds the session record as JSON text and `expires_at` is
-- a Unix timestamp in seconds, so the same SQL runs on SQLite and PostgreSQL.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
