-- Messages sent through the contact form. The sender may be signed in (`user_id`) or not.
-- Ids are UUIDv7 text and times Unix seconds, so the same SQL runs on SQLite and
-- PostgreSQL.
CREATE TABLE contact_messages (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    urgency BIGINT,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX contact_messages_created_at ON contact_messages (created_at);
