//! Single-use tokens for the links we mail: `<id>.<secret>`, expiring, signed.
//!
//! The database keeps only an HMAC of the secret (keyed from `SECRET_KEY`, over the id,
//! the purpose, the user and the secret), so a copy of the table opens nothing, and a
//! token altered anywhere fails the check, which runs in constant time. Redeeming deletes
//! the row: a second use finds nothing.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::{AnyPool, Row};

use crate::error::AppError;
use crate::server::db::{new_id, now};

type HmacSha256 = Hmac<Sha256>;

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Confirm the account's email (24 hours).
    VerifyEmail,
    /// Set a new password (1 hour).
    ResetPassword,
    /// Move the account to a new, confirmed email (24 hours).
    ChangeEmail,
    /// Keep an account its owner asked to delete (as long as the longest grace, 90 days:
    /// the account's deletion takes the token with it).
    KeepAccount,
}

impl Purpose {
    /// Its name in the database.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::ChangeEmail => "change_email",
            Self::KeepAccount => "keep_account",
        }
    }

    /// How long a token of this purpose lives, in seconds.
    fn lifetime(self) -> i64 {
        match self {
            Self::ResetPassword => 60 * 60,
            Self::VerifyEmail | Self::ChangeEmail => 24 * 60 * 60,
            Self::KeepAccount => {
                i64::try_from(crate::config::MAX_DELETION_GRACE_DAYS).unwrap_or(i64::MAX)
                    * 24
                    * 60
                    * 60
            }
        }
    }
}

/// A redeemed token: whose it was, and (for email changes) the new address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    /// The account it was issued to.
    pub user_id: String,
    /// The address to move to, for [`Purpose::ChangeEmail`].
    pub new_email: Option<String>,
}

/// The one answer to a token that is unknown, used, expired or altered: which of them it
/// was is nobody's business.
pub fn invalid() -> AppError {
    AppError::BadRequest {
        message: "this link is invalid or has expired: ask for a new one".into(),
    }
}

/// The key tokens are signed with, derived from the site's secret.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

impl TokenKey {
    /// The token key of `secret_key` (its own label: cache keys and tokens never share a
    /// key).
    pub fn new(secret_key: &[u8]) -> Self {
        let mut mac = mac_with(secret_key);
        mac.update(b"mizan-account-tokens-v1");
        Self(mac.finalize().into_bytes().into())
    }

    fn mac(&self, id: &str, purpose: Purpose, user_id: &str, secret: &str) -> HmacSha256 {
        let mut mac = mac_with(&self.0);
        for part in [id, purpose.name(), user_id, secret] {
            mac.update(part.as_bytes());
            mac.update(b"\n");
        }
        mac
    }
}

fn mac_with(key: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// Issues a token for `user_id`, replacing any earlier one of the same purpose.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn issue(
    pool: &AnyPool,
    key: &TokenKey,
    user_id: &str,
    purpose: Purpose,
    new_email: Option<&str>,
) -> Result<String, AppError> {
    let id = new_id();
    let secret = hex::encode(rand::random::<[u8; 32]>());
    let mac = hex::encode(
        key.mac(&id, purpose, user_id, &secret)
            .finalize()
            .into_bytes(),
    );
    // One row per account and purpose (a unique index): a new token replaces the last.
    sqlx::query(
        "INSERT INTO account_tokens (id, user_id, purpose, mac, new_email, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id, purpose) DO UPDATE SET id = excluded.id, mac = excluded.mac, \
         new_email = excluded.new_email, expires_at = excluded.expires_at",
    )
    .bind(&id)
    .bind(user_id)
    .bind(purpose.name())
    .bind(&mac)
    .bind(new_email)
    .bind(now() + purpose.lifetime())
    .execute(pool)
    .await?;
    Ok(format!("{id}.{secret}"))
}

/// Deletes `user_id`'s token of `purpose`, if it has one: its link no longer works.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn revoke_purpose<'e, E>(
    executor: E,
    user_id: &str,
    purpose: Purpose,
) -> Result<(), AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2")
        .bind(user_id)
        .bind(purpose.name())
        .execute(executor)
        .await?;
    Ok(())
}

/// Deletes `token` (issued by [`issue`]) if it is still there; a newer token of the same
/// account and purpose stays.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn revoke(pool: &AnyPool, token: &str) -> Result<(), AppError> {
    let Some((id, _)) = token.split_once('.') else {
        return Ok(());
    };
    sqlx::query("DELETE FROM account_tokens WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Redeems `token` for `purpose`: checks it, then deletes it. When someone is signed in
/// (`signed_in_as`), the token must be theirs.
///
/// # Errors
/// [`invalid`] for a token that is unknown, of another purpose, used, expired or
/// altered; [`AppError::Forbidden`] for another account's token (it stays usable by its
/// owner); [`AppError::Internal`] when the database fails.
pub async fn redeem(
    pool: &AnyPool,
    key: &TokenKey,
    token: &str,
    purpose: Purpose,
    signed_in_as: Option<&str>,
) -> Result<Redeemed, AppError> {
    let (id, secret) = token.trim().split_once('.').ok_or_else(invalid)?;
    let row = sqlx::query(
        "SELECT user_id, mac, new_email, expires_at FROM account_tokens \
         WHERE id = $1 AND purpose = $2",
    )
    .bind(id)
    .bind(purpose.name())
    .fetch_optional(pool)
    .await?
    .ok_or_else(invalid)?;
    let get = |column: &str| row.try_get::<String, _>(column).map_err(AppError::from);
    let user_id = get("user_id")?;
    let stored = hex::decode(get("mac")?).map_err(AppError::internal)?;
    let expires_at: i64 = row.try_get("expires_at")?;
    // Constant-time: `verify_slice` compares every byte whatever it finds.
    let genuine = key
        .mac(id, purpose, &user_id, secret)
        .verify_slice(&stored)
        .is_ok();
    if !genuine || expires_at <= now() {
        return Err(invalid());
    }
    if signed_in_as.is_some_and(|someone| someone != user_id) {
        return Err(AppError::Forbidden);
    }
    let deleted = sqlx::query("DELETE FROM account_tokens WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    // Two redemptions at once: only the one that deleted the row wins.
    if deleted.rows_affected() != 1 {
        return Err(invalid());
    }
    Ok(Redeemed {
        user_id,
        new_email: row.try_get::<Option<String>, _>("new_email")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mac_covers_every_part() {
        let key = TokenKey::new(b"a secret key of at least 32 bytes!");
        let base = key
            .mac("id", Purpose::ResetPassword, "u1", "s")
            .finalize()
            .into_bytes();
        for other in [
            key.mac("id2", Purpose::ResetPassword, "u1", "s"),
            key.mac("id", Purpose::VerifyEmail, "u1", "s"),
            key.mac("id", Purpose::ResetPassword, "u2", "s"),
            key.mac("id", Purpose::ResetPassword, "u1", "t"),
            TokenKey::new(b"another key").mac("id", Purpose::ResetPassword, "u1", "s"),
        ] {
            assert_ne!(other.finalize().into_bytes(), base);
        }
    }
}
