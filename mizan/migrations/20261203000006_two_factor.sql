-- Two-factor sign-in. An account's TOTP secret, sealed under a key of the site's secret;
-- `enabled_at` stays NULL while enrolment waits for the first code, and `last_step` is
-- the step of the last code accepted, so that no code is accepted twice. Same SQL for
-- SQLite and PostgreSQL.
CREATE TABLE two_factor (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enabled_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0
);

-- The recovery codes of accounts with two-factor sign-in, as digests: each signs in
-- once, in place of a code from the app.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (user_id, code)
);

-- Until when a browser may skip the second step ("remember this browser").
ALTER TABLE known_browsers ADD COLUMN skips_second_factor_until BIGINT NOT NULL DEFAULT 0;
