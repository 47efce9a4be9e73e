-- One live token per account and purpose, enforced by the database: two links issued at
-- the same moment (mail jobs run concurrently) can no longer both stay valid. The newest
-- of any duplicates stays (ids are UUIDv7: time-ordered).
DELETE FROM account_tokens
WHERE id NOT IN (SELECT MAX(id) FROM account_tokens GROUP BY user_id, purpose);

CREATE UNIQUE INDEX account_tokens_one_per_purpose ON account_tokens (user_id, purpose);
