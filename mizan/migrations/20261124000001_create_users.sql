-- Accounts. Ids are UUIDv7 text and times Unix seconds, so the same SQL runs on SQLite
-- and PostgreSQL. Emails are unique whatever their case.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
