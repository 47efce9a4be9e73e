//! Deleting an account. Its owner asks, with their password or a code; the account then
//! waits [`Config::deletion_grace`](crate::config::Config::deletion_grace), working as
//! before, and its owner may keep it from the mailed link or the account page. Then the
//! hourly housekeeping ([`delete_due_accounts`]) removes it with everything of theirs: the
//! framework's rows by their foreign keys, the app's through its
//! [`AccountData`](super::account_data::AccountData), in one transaction, and its sessions
//! end on every server.

use sqlx::AnyPool;

use super::tokens::{self, Purpose};
use super::{CurrentUser, ScheduledDeletion, session, two_factor, users};
use crate::error::AppError;
use crate::runtime::{AppState, state};
use crate::server::db::now;

/// Schedules `user`'s account for deletion, when `proof` is their password, a code of
/// their app or a recovery code (an account with neither a password nor two-factor
/// sign-in needs none: the grace and the mail, which nothing voids, protect it), and
/// mails its owner the link that keeps it. Answers when it goes; asking again changes
/// nothing.
///
/// # Errors
/// [`AppError::Validation`] (on `proof`) for a wrong proof; [`AppError::RateLimited`]
/// past 3 requests an hour; [`AppError::Internal`].
pub async fn request(user: &CurrentUser, proof: &str) -> Result<ScheduledDeletion, AppError> {
    let state = state()?;
    if let Some(scheduled) = scheduled_at(&state.db, &user.id).await? {
        return Ok(scheduled);
    }
    let (hash, _) = users::credentials(&state.db, &user.id).await?;
    if !hash.is_empty() || two_factor::is_enabled(&state.db, &user.id).await? {
        super::second_factor::confirm_identity(&state, user, proof).await?;
    }
    state
        .account_limits
        .deletion_requests
        .check(&user.id)
        .await?;
    let grace = i64::try_from(state.config.deletion_grace.as_secs()).unwrap_or(i64::MAX);
    let deletes_at = now().saturating_add(grace);
    let mail =
        super::accounts::link_mail(&state, user, &user.email, Purpose::KeepAccount, None).await?;
    // The date and its mail are written together: no deletion goes unannounced.
    let mut tx = state.db.begin().await?;
    let scheduled =
        sqlx::query("UPDATE users SET deletes_at = $1 WHERE id = $2 AND deletes_at IS NULL")
            .bind(deletes_at)
            .bind(&user.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if scheduled == 0 {
        // Asked twice at once: the other request scheduled it (and mailed it), unless it
        // was kept meanwhile too.
        drop(tx);
        return scheduled_at(&state.db, &user.id)
            .await?
            .ok_or_else(|| AppError::BadRequest {
                message: "the account changed meanwhile: try again".into(),
            });
    }
    crate::jobs::enqueue(&mut *tx, &mail).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(scheduled_for(deletes_at))
}

/// When `user`'s account goes; `None` unless its owner asked.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn scheduled(user: &CurrentUser) -> Result<Option<ScheduledDeletion>, AppError> {
    scheduled_at(&state()?.db, &user.id).await
}

/// Whether account `user_id` is to be deleted.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn is_scheduled(pool: &AnyPool, user_id: &str) -> Result<bool, AppError> {
    Ok(scheduled_at(pool, user_id).await?.is_some())
}

async fn scheduled_at(
    pool: &AnyPool,
    user_id: &str,
) -> Result<Option<ScheduledDeletion>, AppError> {
    let deletes_at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT deletes_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(deletes_at.flatten().map(scheduled_for))
}

/// A deletion at `deletes_at`, with its day in words.
fn scheduled_for(deletes_at: i64) -> ScheduledDeletion {
    let date = time::OffsetDateTime::from_unix_timestamp(deletes_at)
        .map(|at| format!("{} {} {}", at.day(), at.month(), at.year()))
        .unwrap_or_default();
    ScheduledDeletion { deletes_at, date }
}

/// Keeps `user`'s account, which its owner had asked to delete (the mailed link stops
/// working).
///
/// # Errors
/// [`AppError::BadRequest`] when it was not to be deleted; [`AppError::Internal`].
pub async fn keep(user: &CurrentUser) -> Result<(), AppError> {
    keep_account(&state()?.db, &user.id).await
}

/// Keeps the account of a [`Purpose::KeepAccount`] link's `token` (whoever opens it: the
/// link went to the account's address). Signed in to another account, it is refused.
///
/// # Errors
/// [`tokens::invalid`] (400) for a bad, used or expired token; [`AppError::Forbidden`]
/// for another account's token; [`AppError::BadRequest`] when the account was not to be
/// deleted; [`AppError::Internal`].
pub async fn keep_with_link(token: &str) -> Result<(), AppError> {
    let (state, redeemed, _) = super::accounts::redeem(token, Purpose::KeepAccount).await?;
    keep_account(&state.db, &redeemed.user_id).await
}

async fn keep_account(pool: &AnyPool, user_id: &str) -> Result<(), AppError> {
    if forget(pool, user_id).await? {
        Ok(())
    } else {
        Err(AppError::BadRequest {
            message: "this account is not to be deleted".into(),
        })
    }
}

/// Forgets any deletion asked of account `user_id`, and its link; answers whether there
/// was one.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn forget(pool: &AnyPool, user_id: &str) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let kept =
        sqlx::query("UPDATE users SET deletes_at = NULL WHERE id = $1 AND deletes_at IS NOT NULL")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    tokens::revoke_purpose(&mut *tx, user_id, Purpose::KeepAccount).await?;
    tx.commit().await?;
    Ok(kept > 0)
}

/// Deletes every account whose grace is over (the hourly housekeeping calls it); answers
/// how many went. One that cannot go (the app's delete failed, say) is logged and tried
/// again at the next run, and holds no other back.
///
/// # Errors
/// [`AppError::Internal`] when the list cannot be read.
pub async fn delete_due_accounts(state: &AppState) -> Result<usize, AppError> {
    let due: Vec<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE deletes_at <= $1 ORDER BY deletes_at")
            .bind(now())
            .fetch_all(&state.db)
            .await?;
    let mut deleted = 0;
    for user_id in due {
        match delete_due(state, &user_id).await {
            Ok(true) => deleted += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(user = user_id, error = %e, "an account due for deletion stays until the next run");
            }
        }
    }
    Ok(deleted)
}

/// Deletes account `user_id` if it is to go and its time has come, with the app's rows,
/// and ends its sessions; answers whether it went.
///
/// # Errors
/// [`AppError::Internal`] when the database or the app's delete fails: nothing is removed.
pub async fn delete_due(state: &AppState, user_id: &str) -> Result<bool, AppError> {
    // The claim holds the account until the end: on PostgreSQL `FOR UPDATE` makes a row
    // about to reference it (a message sent meanwhile) wait and then fail, and a "keep"
    // wait and then find nothing; on SQLite the first write holds the whole database.
    let claim = if state.config.is_postgres() {
        "SELECT id FROM users WHERE id = $1 AND deletes_at <= $2 FOR UPDATE"
    } else {
        "UPDATE users SET deletes_at = deletes_at WHERE id = $1 AND deletes_at <= $2 \
         RETURNING id"
    };
    let mut tx = state.db.begin().await?;
    let due: Option<String> = sqlx::query_scalar(claim)
        .bind(user_id)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?;
    if due.is_none() {
        return Ok(false);
    }
    let ended: Vec<String> =
        sqlx::query_scalar("DELETE FROM user_sessions WHERE user_id = $1 RETURNING id")
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
    state.account_data.delete(&mut tx, user_id).await?;
    // Every other table of the framework's goes with the row (ON DELETE CASCADE).
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    super::signed_in_cache::users_changed();
    session::rows_ended(&ended, state).await;
    tracing::info!(user = user_id, "account deleted at its owner's request");
    Ok(true)
}
