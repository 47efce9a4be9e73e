-- Chat messages, per room. `user_name` keeps the name the sender had when writing.
-- Ids are UUIDv7 text (time-ordered) and times Unix seconds, so the same SQL runs on
-- SQLite and PostgreSQL.
CREATE TABLE chat_messages (
    id TEXT PRIMARY KEY NOT NULL,
    room TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    user_name TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX chat_messages_room ON chat_messages (room, id);
