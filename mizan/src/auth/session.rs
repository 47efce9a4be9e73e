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

use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use tower_sessions::session::Id;

use super::user_sessions::{self, Origin};
use crate::error::AppError;
use crate::runtime::AppState;

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
    /// there was one, which the next visit adds: see [`adopt`]).
    #[serde(default)]
    pub handle: String,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Marks `session` as belonging to the user, under a fresh session id and a new row on
/// their sessions list, recorded as coming from `origin`.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn log_in(
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
    let handle = user_sessions::open(&state.db, user_id, origin).await?;
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
    if let Ok(Some(before)) = before {
        end_row(&before.handle, state).await?;
    }
    super::guard::forget_current_user().await;
    Ok(())
}

/// Moves `session` to a new id, signed in as `signed_in`.
async fn switch_to(session: &Session, signed_in: SignedIn) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    session
        .insert(SIGNED_IN, signed_in)
        .await
        .map_err(store_error)
}

/// Gives a session signed in before the sessions list existed its row (device and
/// address unknown, unless `origin` says), so that it shows on the list and can be ended
/// like any other; returns its handle.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn adopt(
    session: &Session,
    state: &AppState,
    signed_in: SignedIn,
    origin: &Origin,
) -> Result<SignedIn, AppError> {
    let handle = user_sessions::open(&state.db, &signed_in.user_id, origin).await?;
    let signed_in = SignedIn {
        handle,
        ..signed_in
    };
    session
        .insert(SIGNED_IN, signed_in.clone())
        .await
        .map_err(store_error)?;
    Ok(signed_in)
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

/// Deletes the record of a session that no longer counts as signed in (ended from
/// another, its account deactivated or its password reset) and its row `handle`, if
/// left, and clears its cookie: its next requests cost no lookup.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn discard(session: &Session, state: &AppState, handle: &str) -> Result<(), AppError> {
    forget_remembered(session.id(), state);
    session.flush().await.map_err(store_error)?;
    if !handle.is_empty() {
        user_sessions::close(&state.db, handle).await?;
    }
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
