-- Deleting an account: when its owner asks, `deletes_at` says when it goes (the hourly
-- housekeeping removes it then); NULL: not asked, or kept. Same SQL for SQLite and PostgreSQL.
ALTER TABLE users ADD COLUMN deletes_at BIGINT;
