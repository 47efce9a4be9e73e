//! The browsers each account signed in from (`known_browsers`), so that a sign-in from
//! another one is news its owner hears of.
//!
//! A browser is told by a random id that a long-lived cookie (`<name>_browser`,
//! [`crate::config::Config::browser_cookie`]) gives it at its first sign-in; the table
//! keeps only a digest of it. The first browser an account signs in from (its sign-up,
//! or its first sign-in after an upgrade) is not news.

use axum::http::HeaderMap;
use axum::http::header::{COOKIE, HeaderValue};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::config::Config;
use crate::error::AppError;
use crate::server::db::now;

/// How long a browser keeps its id cookie after its last sign-in (the longest browsers
/// allow). The rows stay (at most [`MAX_PER_ACCOUNT`] per account).
pub const KEEP_DAYS: i64 = 400;

/// The most browsers one account keeps in mind: past it, the least recently used are
/// forgotten.
pub const MAX_PER_ACCOUNT: i64 = 50;

/// The length of a browser id: 128 random bits, in hex.
const ID_LENGTH: usize = 32;

/// The browser id a request's `Cookie` header carries under `name`: the first
/// well-formed one (a malformed cookie of the same name, set for a parent domain, say,
/// hides nothing).
pub fn browser_of(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, id)| id)
        .find(|id| id.len() == ID_LENGTH && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// A new browser id.
pub fn new_id() -> String {
    hex::encode(rand::random::<[u8; ID_LENGTH / 2]>())
}

/// The `Set-Cookie` header that gives a browser `id` for [`KEEP_DAYS`]: HTTP only,
/// `SameSite=Lax`, and in production `Secure` under a `__Host-` name (no other host, a
/// sibling subdomain say, can plant one). `None` for an id that cannot be a header value
/// (never one of [`new_id`] or [`browser_of`]).
pub fn set_cookie(config: &Config, id: &str) -> Option<HeaderValue> {
    let secure = if config.environment.is_production() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        config.browser_cookie(),
        KEEP_DAYS * 24 * 60 * 60
    ))
    .ok()
}

/// Records that `user_id` signed in from browser `id`, and says whether that is news: a
/// browser the account never signed in from (or forgot: past [`MAX_PER_ACCOUNT`]), while
/// it has signed in from others.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn remember(pool: &AnyPool, user_id: &str, id: &str) -> Result<bool, AppError> {
    let digest = digest(user_id, id);
    let now = now();
    let known = sqlx::query(
        "UPDATE known_browsers SET last_sign_in_at = $1 WHERE user_id = $2 AND browser = $3",
    )
    .bind(now)
    .bind(user_id)
    .bind(&digest)
    .execute(pool)
    .await?
    .rows_affected();
    if known > 0 {
        return Ok(false);
    }
    let others: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM known_browsers WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    let added = sqlx::query(
        "INSERT INTO known_browsers (user_id, browser, last_sign_in_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, browser) DO NOTHING",
    )
    .bind(user_id)
    .bind(&digest)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    // The least recently used past the bound are forgotten (each sign-in without the
    // cookie adds one).
    sqlx::query(
        "DELETE FROM known_browsers WHERE user_id = $1 AND browser NOT IN (SELECT browser \
         FROM known_browsers WHERE user_id = $1 ORDER BY last_sign_in_at DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(MAX_PER_ACCOUNT)
    .execute(pool)
    .await?;
    Ok(added > 0 && others > 0)
}

/// What the table keeps of browser `id` for `user_id`: a digest per account, so that the
/// rows of one browser's accounts cannot be matched with each other.
fn digest(user_id: &str, id: &str) -> String {
    hex::encode(Sha256::digest(format!("{user_id}:{id}").as_bytes()))
}

/// Lets browser `id` sign in to `user_id` without the second step for `days` days
/// ("remember this browser"), once it is among the account's browsers.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn skip_second_factor(
    pool: &AnyPool,
    user_id: &str,
    id: &str,
    days: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE known_browsers SET skips_second_factor_until = $1 \
         WHERE user_id = $2 AND browser = $3",
    )
    .bind(now() + days * 24 * 60 * 60)
    .bind(user_id)
    .bind(digest(user_id, id))
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether browser `id` may sign in to `user_id` without the second step now.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn skips_second_factor(
    pool: &AnyPool,
    user_id: &str,
    id: &str,
) -> Result<bool, AppError> {
    let skips: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM known_browsers \
         WHERE user_id = $1 AND browser = $2 AND skips_second_factor_until > $3",
    )
    .bind(user_id)
    .bind(digest(user_id, id))
    .bind(now())
    .fetch_one(pool)
    .await?;
    Ok(skips > 0)
}

/// No browser of `user_id` skips the second step any more (two-factor sign-in or the
/// password changed, sessions were ended, new recovery codes were made).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn forget_skips(pool: &AnyPool, user_id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE known_browsers SET skips_second_factor_until = 0 WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn a_browser_is_told_by_its_own_cookie_only() {
        let id = "0123456789abcdef0123456789abcdef";
        let headers = cookies("acme_session=x; acme_browser=0123456789abcdef0123456789abcdef");
        assert_eq!(browser_of(&headers, "acme_browser").as_deref(), Some(id));
        assert_eq!(browser_of(&headers, "other_browser"), None);
        assert_eq!(browser_of(&HeaderMap::new(), "acme_browser"), None);
        let shadowed =
            cookies("acme_browser=planted; acme_browser=0123456789abcdef0123456789abcdef");
        assert_eq!(browser_of(&shadowed, "acme_browser").as_deref(), Some(id));
    }

    #[test]
    fn a_malformed_id_counts_as_none() {
        for value in [
            "acme_browser=short",
            "acme_browser=0123456789abcdef0123456789abcdeg",
            "acme_browser=0123456789abcdef0123456789abcdef00",
        ] {
            let mut headers = HeaderMap::new();
            headers.append(COOKIE, HeaderValue::from_str(value).expect("header"));
            assert_eq!(browser_of(&headers, "acme_browser"), None, "{value}");
        }
        assert_eq!(new_id().len(), ID_LENGTH);
    }
}
