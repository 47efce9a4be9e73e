//! Where two-factor sign-in is kept: each account's sealed TOTP secret
//! ([`super::totp`]), whether it is on, the step of the last code accepted (no code is
//! accepted twice), and its recovery codes, as digests, each good once.
//!
//! Every function takes the time it acts at, so that tests can fix the clock.

use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use super::totp::{self, SealKey, Secret};
use crate::error::AppError;

/// How many recovery codes an account gets at a time.
pub const RECOVERY_CODES: usize = 10;

/// The letters of recovery codes: Crockford's base32, lower case (no i, l, o, u).
const RECOVERY_ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Letters in a recovery code (80 random bits: out of reach of guessing even from a
/// stolen digest), shown in groups of four.
const RECOVERY_LENGTH: usize = 16;

/// What proved the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// A code from the authenticator app.
    App,
    /// One of the recovery codes, now used up.
    RecoveryCode,
}

/// Whether `user_id` has two-factor sign-in on.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn is_enabled(pool: &AnyPool, user_id: &str) -> Result<bool, AppError> {
    let enabled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(enabled > 0)
}

/// Starts enrolment: a new secret for `user_id`, kept (sealed) until a code from it
/// turns two-factor sign-in on ([`enable`]). Starting again replaces it.
///
/// # Errors
/// [`AppError::BadRequest`] when two-factor sign-in is on already;
/// [`AppError::Internal`] when the database fails.
pub async fn begin(pool: &AnyPool, key: &SealKey, user_id: &str) -> Result<Secret, AppError> {
    let secret = Secret::generate();
    let stored = sqlx::query(
        "INSERT INTO two_factor (user_id, secret, enabled_at, last_step) \
         VALUES ($1, $2, NULL, 0) ON CONFLICT (user_id) DO UPDATE SET secret = $2 \
         WHERE two_factor.enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(key.seal(user_id, &secret))
    .execute(pool)
    .await?
    .rows_affected();
    if stored == 0 {
        return Err(already_on());
    }
    Ok(secret)
}

fn already_on() -> AppError {
    AppError::BadRequest {
        message: "two-factor sign-in is on already".into(),
    }
}

/// Turns two-factor sign-in on for `user_id` when `code` is a code of the secret
/// [`begin`] gave, at `unix_time`; answers the account's recovery codes, in the clear,
/// the one time they are. Nothing changes for a wrong code.
///
/// # Errors
/// [`AppError::Validation`] for a wrong code (on `code`), or when enrolment was not
/// started or is done (on `form`); [`AppError::Internal`].
pub async fn enable(
    pool: &AnyPool,
    key: &SealKey,
    user_id: &str,
    code: &str,
    unix_time: u64,
) -> Result<Vec<String>, AppError> {
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT secret, enabled_at FROM two_factor WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    let sealed = match row {
        Some((_, Some(_))) => return Err(AppError::field("form", "two-factor sign-in is on")),
        Some((sealed, None)) => sealed,
        None => {
            return Err(AppError::field(
                "form",
                "start setting up two-factor sign-in first",
            ));
        }
    };
    let step = key
        .open(user_id, &sealed)?
        .matching_step(code, unix_time)
        .ok_or_else(wrong_code)?;
    let mut tx = pool.begin().await?;
    // The secret checked, not one a second enrolment put in its place meanwhile.
    let enabled = sqlx::query(
        "UPDATE two_factor SET enabled_at = $1, last_step = $2 \
         WHERE user_id = $3 AND secret = $4 AND enabled_at IS NULL",
    )
    .bind(to_i64(unix_time))
    .bind(to_i64(step))
    .bind(user_id)
    .bind(&sealed)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if enabled == 0 {
        return Err(AppError::field(
            "form",
            "two-factor sign-in changed meanwhile: start again",
        ));
    }
    let codes = replace_recovery_codes(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(codes)
}

/// The answer to a code that is not the one expected.
pub fn wrong_code() -> AppError {
    AppError::field("code", "this code is wrong or was used already")
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Accepts `code` as `user_id`'s second factor at `unix_time`: six digits are a code of
/// the app, accepted once (a code as old as or older than the last one accepted is
/// refused); anything else is tried as a recovery code, which is used up. `None` when
/// it is neither, or the account has no two-factor sign-in.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn accept(
    pool: &AnyPool,
    key: &SealKey,
    user_id: &str,
    code: &str,
    unix_time: u64,
) -> Result<Option<Factor>, AppError> {
    if totp::normalise(code).is_none() {
        let used = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND code = $2")
            .bind(user_id)
            .bind(recovery_digest(user_id, code))
            .execute(pool)
            .await?
            .rows_affected();
        return Ok((used > 0).then_some(Factor::RecoveryCode));
    }
    let sealed: Option<String> = sqlx::query_scalar(
        "SELECT secret FROM two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let secret = match key.open(user_id, &sealed) {
        Ok(secret) => secret,
        Err(_) => {
            // Sealed under another SECRET_KEY: no code of the app matches any more; the
            // owner signs in with a recovery code and enrols again.
            tracing::warn!("a two-factor secret does not open: was SECRET_KEY changed?");
            return Ok(None);
        }
    };
    let Some(step) = secret.matching_step(code, unix_time) else {
        return Ok(None);
    };
    // Only a step later than the last accepted one moves it: a code seen once (over a
    // shoulder, in a phishing proxy) does not sign in again.
    let fresh = sqlx::query(
        "UPDATE two_factor SET last_step = $1 \
         WHERE user_id = $2 AND enabled_at IS NOT NULL AND last_step < $1",
    )
    .bind(to_i64(step))
    .bind(user_id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok((fresh > 0).then_some(Factor::App))
}

/// Turns two-factor sign-in off for `user_id`: the secret and recovery codes go.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn disable(pool: &AnyPool, user_id: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    for table in ["recovery_codes", "two_factor"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Gives `user_id` a new set of recovery codes (the old ones stop working), answered in
/// the clear, the one time they are.
///
/// # Errors
/// [`AppError::BadRequest`] when two-factor sign-in is off; [`AppError::Internal`].
pub async fn new_recovery_codes(pool: &AnyPool, user_id: &str) -> Result<Vec<String>, AppError> {
    if !is_enabled(pool, user_id).await? {
        return Err(AppError::BadRequest {
            message: "two-factor sign-in is off".into(),
        });
    }
    let mut tx = pool.begin().await?;
    let codes = replace_recovery_codes(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(codes)
}

/// How many unused recovery codes `user_id` has.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn recovery_codes_left(pool: &AnyPool, user_id: &str) -> Result<u32, AppError> {
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    Ok(u32::try_from(left).unwrap_or(0))
}

async fn replace_recovery_codes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
) -> Result<Vec<String>, AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    for code in &codes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code) VALUES ($1, $2)")
            .bind(user_id)
            .bind(recovery_digest(user_id, code))
            .execute(&mut **tx)
            .await?;
    }
    Ok(codes)
}

/// Whether `typed` has the shape of a recovery code (16 of its letters, with any dashes,
/// spaces or case).
pub fn is_recovery_code(typed: &str) -> bool {
    let letters: Vec<u8> = typed
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'-')
        .map(|b| b.to_ascii_lowercase())
        .collect();
    letters.len() == RECOVERY_LENGTH && letters.iter().all(|b| RECOVERY_ALPHABET.contains(b))
}

/// A new recovery code, as shown: `xxxx-xxxx-xxxx-xxxx`.
fn new_recovery_code() -> String {
    let letters: Vec<u8> = (0..RECOVERY_LENGTH)
        .map(|_| RECOVERY_ALPHABET[rand::random_range(0..RECOVERY_ALPHABET.len())])
        .collect();
    letters
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// What is kept of `user_id`'s recovery code `code` as typed: a digest of the code
/// without case, dashes or spaces, salted with the account.
fn recovery_digest(user_id: &str, code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    hex::encode(Sha256::digest(format!("{user_id}:{plain}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_read_the_same_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), RECOVERY_LENGTH + 3);
        assert_eq!(
            code.split('-').map(str::len).collect::<Vec<_>>(),
            [4, 4, 4, 4]
        );
        let typed = code.replace('-', " ").to_uppercase();
        assert_eq!(recovery_digest("u", &code), recovery_digest("u", &typed));
        assert_ne!(recovery_digest("u", &code), recovery_digest("v", &code));
        assert_ne!(new_recovery_code(), new_recovery_code());
        assert!(is_recovery_code(&typed));
        assert!(!is_recovery_code("a long enough password"));
        assert!(!is_recovery_code("123456"));
    }
}
