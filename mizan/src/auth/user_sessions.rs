//! The signed-in sessions of each account (`user_sessions`), as their owner sees and ends
//! them: one row per sign-in, named by a random handle that the session keeps
//! ([`super::session::SignedIn::handle`]).
//!
//! A session counts as signed in only while its row is there (the guard reads both in
//! one query), so deleting the row ends the session wherever its record lives, in the
//! database or in Redis, and the handle names the hub group its sockets listen on.
//! Rows of sessions that expired go with the hourly housekeeping.

use std::net::IpAddr;

use axum::http::request::Parts;
use sqlx::AnyPool;

use super::SessionInfo;
use super::session::SESSION_IDLE_DAYS;
use super::{device, known_browsers};
use crate::config::Config;
use crate::error::AppError;
use crate::server::db::now;

/// How stale a session's "last seen" may get before a visit writes it again: a visit
/// costs no write, and the list is right to within this.
pub const SEEN_EVERY_SECONDS: i64 = 5 * 60;

/// The most sessions one account keeps: a sign-in past it ends the least recently used.
pub const MAX_PER_ACCOUNT: i64 = 50;

/// The longest `User-Agent` kept (they are rarely over 300 bytes; a longer one is cut).
const MAX_USER_AGENT: usize = 512;

/// Where a sign-in comes from: the browser and the client's address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The request's `User-Agent`, if it sent a readable one.
    pub user_agent: Option<String>,
    /// The client's address ([`crate::server::client`]: proxies the site trusts are
    /// seen through), when the server knows the connection's.
    pub address: Option<IpAddr>,
    /// The browser's id from its cookie ([`super::known_browsers`]), if it has one.
    pub browser: Option<String>,
}

impl Origin {
    /// The origin of a request (its parts, as axum and Leptos hold them).
    pub fn of_request(config: &Config, parts: &Parts) -> Self {
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| cut(agent, MAX_USER_AGENT).to_owned());
        let address = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| {
                config
                    .trusted_proxies
                    .client_of(&parts.headers, info.0.ip())
            });
        Self {
            user_agent,
            address,
            browser: known_browsers::browser_of(&parts.headers, &config.browser_cookie()),
        }
    }

    /// The origin of the request being handled (a server function or a page render);
    /// unknown outside one.
    pub fn current() -> Self {
        let Ok(state) = crate::runtime::state() else {
            return Self::default();
        };
        leptos::prelude::with_context::<Parts, _>(|parts| Self::of_request(&state.config, parts))
            .unwrap_or_default()
    }
}

/// The longest start of `text` of at most `max` bytes that ends on a character.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Records a new signed-in session of `user_id` from `origin`. Past [`MAX_PER_ACCOUNT`]
/// sessions, the least recently used end (their rows go with the new one's insert, or
/// neither does). Returns the new handle, and those of the sessions that ended.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn open(
    pool: &AnyPool,
    user_id: &str,
    origin: &Origin,
) -> Result<(String, Vec<String>), AppError> {
    let handle = hex::encode(rand::random::<[u8; 16]>());
    let now = now();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO user_sessions (id, user_id, user_agent, address, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&handle)
    .bind(user_id)
    .bind(origin.user_agent.as_deref())
    .bind(origin.address.map(|ip| ip.to_string()))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // A script signing in without keeping its cookie would otherwise grow the list
    // without end.
    let evicted = sqlx::query_scalar(
        "DELETE FROM user_sessions WHERE user_id = $1 AND id NOT IN (SELECT id FROM \
         user_sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, created_at DESC \
         LIMIT $2) RETURNING id",
    )
    .bind(user_id)
    .bind(MAX_PER_ACCOUNT)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((handle, evicted))
}

/// Records that session `handle` was seen now.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn seen(pool: &AnyPool, handle: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE user_sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now())
        .bind(handle)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether session `handle` is still signed in (its row is there).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn is_open(pool: &AnyPool, handle: &str) -> Result<bool, AppError> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM user_sessions WHERE id = $1")
        .bind(handle)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// Forgets session `handle` (it signed out, or in again under a new one).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn close(pool: &AnyPool, handle: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM user_sessions WHERE id = $1")
        .bind(handle)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of `user_id` (its password changed, it was deactivated).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn close_all(pool: &AnyPool, user_id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM user_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends session `handle` of `user_id`, and only if it is theirs.
///
/// # Errors
/// [`AppError::NotFound`] when `user_id` has no such session; [`AppError::Internal`].
pub async fn end(pool: &AnyPool, user_id: &str, handle: &str) -> Result<(), AppError> {
    let ended = sqlx::query("DELETE FROM user_sessions WHERE id = $1 AND user_id = $2")
        .bind(handle)
        .bind(user_id)
        .execute(pool)
        .await?
        .rows_affected();
    match ended {
        0 => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

/// Ends every session of `user_id` but `keep`, and returns their handles.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn end_others(
    pool: &AnyPool,
    user_id: &str,
    keep: &str,
) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar(
            "DELETE FROM user_sessions WHERE user_id = $1 AND id <> $2 RETURNING id",
        )
        .bind(user_id)
        .bind(keep)
        .fetch_all(pool)
        .await?,
    )
}

/// The seconds after which a session unseen is certainly expired: its record lasts
/// [`SESSION_IDLE_DAYS`] after its last save, which is never after its last visit.
const EXPIRED_AFTER_SECONDS: i64 = SESSION_IDLE_DAYS * 24 * 60 * 60;

/// A row of `user_sessions`: handle, user agent, address, created and last seen at.
type SessionRow = (String, Option<String>, Option<String>, i64, i64);

/// The live sessions of `user_id`: `current` first and marked, then the others, the
/// most recently seen first.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn list(
    pool: &AnyPool,
    user_id: &str,
    current: &str,
) -> Result<Vec<SessionInfo>, AppError> {
    let now = now();
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT id, user_agent, address, created_at, last_seen_at FROM user_sessions \
         WHERE user_id = $1 AND last_seen_at > $2 ORDER BY last_seen_at DESC, created_at DESC",
    )
    .bind(user_id)
    .bind(now - EXPIRED_AFTER_SECONDS)
    .fetch_all(pool)
    .await?;
    let mut sessions: Vec<SessionInfo> = rows
        .into_iter()
        .map(
            |(id, user_agent, address, created_at, last_seen_at)| SessionInfo {
                current: id == current,
                device: device::describe(user_agent.as_deref()),
                id,
                address,
                created_at,
                last_seen_at,
                idle_seconds: (now - last_seen_at).max(0),
            },
        )
        .collect();
    // This one first, then the others as they were last used.
    sessions.sort_by_key(|session| !session.current);
    Ok(sessions)
}

/// Removes the rows of sessions that expired; returns how many.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn prune(pool: &AnyPool) -> Result<u64, AppError> {
    Ok(
        sqlx::query("DELETE FROM user_sessions WHERE last_seen_at <= $1")
            .bind(now() - EXPIRED_AFTER_SECONDS)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn a_long_agent_is_cut_on_a_character() {
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(cut("abcdef", 4), "abcd");
        // `é` is two bytes: a cut inside it keeps what comes before.
        assert_eq!(cut("aé", 2), "a");
    }
}
