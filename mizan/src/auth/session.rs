//! Who is signed in on a session: the user's id, the account's session version and the
//! session's handle on the account's sessions list, under named keys.
//!
//! Signing in gives the session a new id (no session fixation) and a new row on the
//! list ([`super::user_sessions`]); signing out deletes both. When an account's version
//! moves (its password was reset), every session that carries the old one counts as
//! signed out, wherever it is stored; so does a session whose row is gone (its owner
//! ended it from another).
//!
//! Sessions slide: they end [`SESSION_IDLE_DAYS`] days after the last visit, not after
//! the sign-in. Saving a session on every request would cost a write each time, so a visit
//! saves it (with a new expiry and cookie) only when the last save is a day old.

use axum::http::HeaderValue;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use tower_sessions::session::Id;

use super::known_browsers;
use super::user_sessions::{self, Origin};
use crate::error::AppError;
use crate::runtime::AppState;
use crate::server::db::now;

/// The session key that holds who is signed in.
const SIGNED_IN: &str = "mizan.user";

/// How long a session lives without a visit.
pub const SESSION_IDLE_DAYS: i64 = 14;

/// How old the last save of a session may be before a visit saves it again.
const REFRESH_AFTER_SECONDS: i64 = 24 * 60 * 60;

/// Who is signed in on a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The user's id.
    pub user_id: String,
    /// The account's session version when they signed in.
    pub auth_version: i64,
    /// When the session was last saved, Unix seconds (0 in sessions made before it was
    /// kept, which the next visit refreshes).
    #[serde(default)]
    pub refreshed_at: i64,
    /// The session's row on the account's sessions list (empty in sessions made before
    /// there was one: they count as signed out).
    #[serde(default)]
    pub handle: String,
}

/// Marks `session` as belonging to the user, under a fresh session id and a new row on
/// their sessions list, recorded as coming from `origin`. A browser the account never
/// signed in from is mailed to its owner ([`super::known_browsers`]). The answer is the
/// `Set-Cookie` header of the browser's id (new, or renewed) to send it.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn log_in(
    session: &Session,
    state: &AppState,
    user_id: &str,
    auth_version: i64,
    origin: &Origin,
) -> Result<Option<HeaderValue>, AppError> {
    renew(session, state, user_id, auth_version, origin).await?;
    Ok(recognise_browser(state, user_id, origin).await)
}

/// Gives the session of someone already signed in a fresh id and row, at the account's
/// new version (after a password change): the same as [`log_in`], but no sign-in as far
/// as the account's browsers go.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn renew(
    session: &Session,
    state: &AppState,
    user_id: &str,
    auth_version: i64,
    origin: &Origin,
) -> Result<(), AppError> {
    // A session someone was signed in on ends here (it goes on under a new id and row):
    // its sockets close. An anonymous one has nothing to end.
    // (A record that cannot be read counts as signed in: the cache forgets it.)
    let before = signed_in(session).await;
    if !matches!(before, Ok(None)) {
        forget_remembered(session.id(), state);
    }
    let (handle, evicted) = user_sessions::open(&state.db, user_id, origin).await?;
    rows_ended(&evicted, state).await;
    let signed_in_now = SignedIn {
        user_id: user_id.to_owned(),
        auth_version,
        refreshed_at: now(),
        handle: handle.clone(),
    };
    if let Err(error) = switch_to(session, signed_in_now).await {
        // Nothing half-done: the new row goes with the sign-in that failed.
        user_sessions::close(&state.db, &handle).await?;
        return Err(error);
    }
    if let Ok(Some(before)) = before
        && let Err(e) = end_row(&before.handle, state).await
    {
        // The sign-in stands; the old row is no longer any session's.
        tracing::warn!(error = %e, "cannot remove the row of a session that signed in again");
    }
    super::guard::forget_current_user().await;
    Ok(())
}

/// Records that `user_id` signed in from `origin`'s browser, and mails them when it is
/// news; returns the cookie that gives the browser its id for another [`known_browsers::KEEP_DAYS`]
/// (a new one if it had none). The sign-in stands whatever happens here: a failure is
/// logged.
async fn recognise_browser(
    state: &AppState,
    user_id: &str,
    origin: &Origin,
) -> Option<HeaderValue> {
    let id = origin
        .browser
        .clone()
        .unwrap_or_else(known_browsers::new_id);
    let cookie = known_browsers::set_cookie(&state.config, &id);
    match known_browsers::remember(&state.db, user_id, &id).await {
        Ok(false) => {}
        Ok(true) => match super::users::find_active(&state.db, user_id).await {
            Ok(Some(user)) => super::notices::new_browser(state, &user, origin).await,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read whom to tell of a new browser"),
        },
        Err(e) => tracing::warn!(error = %e, "cannot record the browser of a sign-in"),
    }
    cookie
}

/// Moves `session` to a new id, signed in as `signed_in`.
async fn switch_to(session: &Session, signed_in: SignedIn) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    session
        .insert(SIGNED_IN, signed_in)
        .await
        .map_err(store_error)
}

/// Saves a signed-in session again when its last save is more than a day old: the
/// session layer then writes it with a new expiry and sends the cookie again, so the
/// session lasts [`SESSION_IDLE_DAYS`] from this visit. Returns when the session was last saved, now included.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn refresh_if_due(session: &Session, signed_in: SignedIn) -> Result<i64, AppError> {
    if !refresh_due(signed_in.refreshed_at) {
        return Ok(signed_in.refreshed_at);
    }
    let now = now();
    session
        .insert(
            SIGNED_IN,
            SignedIn {
                refreshed_at: now,
                ..signed_in
            },
        )
        .await
        .map_err(store_error)?;
    Ok(now)
}

/// Whether a session last saved at `refreshed_at` is due to be saved again.
pub fn refresh_due(refreshed_at: i64) -> bool {
    now() - refreshed_at >= REFRESH_AFTER_SECONDS
}

/// Session `id` is about to end or change id: this process's signed-in cache forgets it
/// for good (a request resolving it at this moment cannot put it back).
fn forget_remembered(id: Option<Id>, state: &AppState) {
    if let (Some(cache), Some(id)) = (&state.signed_in, id) {
        cache.forget_session(id);
    }
}

/// The session with row `handle` has ended: the row goes, and its open connections
/// close on every server. Called after its record is deleted or its id changed, so that
/// a connection joining at this moment, which looks at the row after it subscribes, sees
/// one or the other. (A hub that cannot publish is logged: the sign-out stands, and each
/// connection finds the row gone at its next check.)
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn end_row(handle: &str, state: &AppState) -> Result<(), AppError> {
    if handle.is_empty() {
        return Ok(());
    }
    user_sessions::close(&state.db, handle).await?;
    end_connections(handle, state).await;
    Ok(())
}

/// The rows of sessions `handles` were deleted (ended from another session, or past an
/// account's bound): this process's remembered sign-ins are looked up again, and their
/// sockets close on every server.
pub async fn rows_ended(handles: &[String], state: &AppState) {
    if handles.is_empty() {
        return;
    }
    super::signed_in_cache::users_changed();
    for handle in handles {
        end_connections(handle, state).await;
    }
}

/// Closes the open connections of the session with row `handle`, on every server.
pub async fn end_connections(handle: &str, state: &AppState) {
    if let Err(e) = crate::channels::session_ended(&state.channels, handle).await {
        tracing::warn!(error = %e, "cannot close the connections of an ended session");
    }
}

/// Ends the session: its data is deleted and the cookie cleared.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn log_out(session: &Session, state: &AppState) -> Result<(), AppError> {
    // Only a session someone is signed in on has anything to end elsewhere (and a
    // made-up cookie must cost no more than this look).
    // (A record that cannot be read is deleted all the same.)
    let before = signed_in(session).await;
    if !matches!(before, Ok(None)) {
        forget_remembered(session.id(), state);
    }
    session.flush().await.map_err(store_error)?;
    if let Ok(Some(before)) = before {
        end_row(&before.handle, state).await?;
    }
    super::guard::forget_current_user().await;
    Ok(())
}

/// Who is signed in on `session`, if anyone.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn signed_in(session: &Session) -> Result<Option<SignedIn>, AppError> {
    session.get(SIGNED_IN).await.map_err(store_error)
}

/// A value kept in the session for a while (an OAuth sign-in under way).
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn put<T: Serialize>(session: &Session, key: &str, value: &T) -> Result<(), AppError> {
    session.insert(key, value).await.map_err(store_error)
}

/// A value put with [`put`], left in the session.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn get<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, AppError> {
    session.get(key).await.map_err(store_error)
}

/// Takes a value put with [`put`] out of the session.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn take<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, AppError> {
    session.remove(key).await.map_err(store_error)
}

/// A session that cannot be read or written: the store (database or Redis) is down, a
/// 503 that passes; a record that cannot be decoded is a bug, a 500.
fn store_error(error: tower_sessions::session::Error) -> AppError {
    match error {
        tower_sessions::session::Error::Store(e) => AppError::unavailable(e),
        tower_sessions::session::Error::SerdeJson(e) => AppError::internal(e),
    }
}
