-- Account flows: verified emails, a version that ends every session when it moves
-- (password reset), single-use tokens for the links we mail, and accounts at OAuth
-- providers linked to users. Same SQL for SQLite and PostgreSQL.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
ALTER TABLE users ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;

-- A token mailed as `<id>.<secret>`: only the HMAC of the secret is kept, and the row
-- goes when the token is used.
CREATE TABLE account_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    mac TEXT NOT NULL,
    new_email TEXT,
    expires_at BIGINT NOT NULL
);

CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

CREATE TABLE social_accounts (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);

CREATE INDEX social_accounts_user ON social_accounts (user_id);
