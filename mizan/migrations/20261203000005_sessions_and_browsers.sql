-- The signed-in sessions of each account, as their owner sees them: which browser,
-- from where, since when, last seen when. A session counts as signed in only while its
-- row is here, so deleting a row ends the session wherever its record is stored
-- (database or Redis). Same SQL for SQLite and PostgreSQL.
CREATE TABLE user_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent TEXT,
    address TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

CREATE INDEX user_sessions_user ON user_sessions (user_id, last_seen_at);
CREATE INDEX user_sessions_last_seen ON user_sessions (last_seen_at);

-- The browsers each account signed in from (50 at most, the least recently used go), by
-- a digest of the random id a long-lived cookie gives each browser: a sign-in from any
-- other is news its owner is mailed.
CREATE TABLE known_browsers (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    browser TEXT NOT NULL,
    last_sign_in_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, browser)
);
